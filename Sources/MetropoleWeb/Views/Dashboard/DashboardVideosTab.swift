import Plot
import Vapor

/// What the dashboard shows about recordings: the switch, the recorder's state, the videos.
struct DashboardRecording: Sendable {
    enum State: String, Sendable { case off, idle, recording, paused }

    var isOn = true
    var state = State.idle
    /// Why recording is paused (a full disk, a write error).
    var pauseReason: String?
    var videos: [VideoCard] = []

    static func load(_ stream: Stream, owner: User, withVideos: Bool, in request: Request) async throws -> DashboardRecording {
        let recordings = request.application.recordings, id = try stream.requireID()
        var recording = DashboardRecording(isOn: stream.record)
        recording.pauseReason = recordings.pauseReason(streamID: id)
        recording.state = recording.pauseReason != nil ? .paused
            : recordings.isRecording(streamID: id) ? .recording : stream.record ? .idle : .off
        if withVideos {
            let (_, videos) = try await VideoDirectory.videos(ofChannel: owner.username, for: owner, on: request.db)
            recording.videos = try videos.map { try VideoCard($0, username: owner.username, thumbnail: stream.thumbnail) }
        }
        return recording
    }

    /// The health panel's short form (`dashboard.js` writes the same).
    static func label(state: String?, reason: String?) -> String? {
        switch state.flatMap(State.init) {
        case .off: "Off"
        case .idle: "On"
        case .recording: "Recording"
        case .paused: "Paused: " + (reason ?? "writes fail")
        case nil: nil
        }
    }

    var statusText: String {
        switch state {
        case .off: "Recording is off: broadcasts are not kept."
        case .idle: "Your next broadcast will be recorded."
        case .recording: "Recording this broadcast."
        case .paused: "Recording paused: \(pauseReason ?? "writes failed"). The stream goes on; recording resumes when the disk accepts writes again."
        }
    }
}

enum DashboardVideosTab {
    static func node(_ model: DashboardPageModel, context: PageContext) -> Node<HTML.BodyContext> {
        let recording = model.recording
        return .section(
            .class("panel"), .attr("aria-labelledby", "videos-heading"),
            .h2(.id("videos-heading"), .text("Videos")),
            .p(.class(recording.state == .paused ? "field-error" : "muted"), .attr("data-recording-state", recording.state.rawValue),
               .attr("role", "status"), .safe(recording.statusText)),
            .form(
                .attr("action", SiteURL.dashboardAction(model.username, .recording).path), .method(.post), .class("inline-form"),
                CSRFField.node(context.csrfToken),
                .input(.attr("type", "hidden"), .attr("name", "record"), .attr("value", recording.isOn ? "false" : "true")),
                .button(.type(.submit), .class(recording.isOn ? "btn btn-secondary" : "btn btn-primary"), .attr("data-record-toggle", ""),
                        .attr("aria-pressed", recording.isOn ? "true" : "false"),
                        .text(recording.isOn ? "Turn recording off" : "Turn recording on"))
            ),
            .p(.class("muted"), .text("Recorded broadcasts appear on your channel's Videos tab. A change applies from your next broadcast.")),
            recording.videos.isEmpty
                ? .p(.class("muted"), .text("No videos yet."))
                : .ul(.class("dashboard-videos"), .forEach(recording.videos) { video in
                    .li(
                        .class("dashboard-video"), .attr("data-video", video.id),
                        .a(.attr("href", SiteURL.video(video.username, id: video.id).path), .safe(video.title)),
                        .span(.class("muted tabular"), .text(" · \(video.dateText) · \(video.durationText)")),
                        VideoOwnerForms.node(video, back: .dashboard, csrf: context.csrfToken)
                    )
                })
        )
    }
}
