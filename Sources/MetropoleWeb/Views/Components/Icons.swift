/// Inline SVG icons: 20 px, `currentColor`, one stroke style.
enum Icons {
    static let logo = """
    <svg width="24" height="24" viewBox="0 0 24 24" aria-hidden="true" focusable="false"><rect x="2" y="4" width="20" height="16" rx="4" fill="#8b5cf6"/><path d="M10 9v6l5-3z" fill="#fff"/></svg>
    """
}
