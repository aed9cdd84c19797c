/// Inline SVG icons: 20 px, `currentColor`, one stroke style.
enum Icons {
    static let logo = """
    <svg width="24" height="24" viewBox="0 0 24 24" aria-hidden="true" focusable="false"><rect x="2" y="4" width="20" height="16" rx="4" fill="#8b5cf6"/><path d="M10 9v6l5-3z" fill="#fff"/></svg>
    """

    static let sidebar = """
    <svg width="20" height="20" viewBox="0 0 20 20" fill="none" stroke="currentColor" stroke-width="1.6" aria-hidden="true" focusable="false"><rect x="2.5" y="3.5" width="15" height="13" rx="2"/><path d="M7.5 3.5v13"/></svg>
    """

    static let theatre = """
    <svg width="20" height="20" viewBox="0 0 20 20" fill="none" stroke="currentColor" stroke-width="1.6" aria-hidden="true" focusable="false"><rect x="2" y="4.5" width="16" height="11" rx="1.5"/><path d="M5 8v4M15 8v4"/></svg>
    """

    static let chat = """
    <svg width="20" height="20" viewBox="0 0 20 20" fill="none" stroke="currentColor" stroke-width="1.6" aria-hidden="true" focusable="false"><path d="M3.5 4.5h13v9h-7l-3.5 3v-3h-2.5z"/></svg>
    """
}
