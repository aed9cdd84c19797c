import Fluent

/// Every migration, in the order they run. Append only.
enum Migrations {
    static let all: [any Migration] = [
        M0001_CreateUsers(),
        M0002_CreateStreams(),
        M0003_CreateFollows(),
        M0004_CreateBlocks(),
        M0005_CreateAuthTokens(),
        M0006_AddIngressToStreams(),
        M0007_CreateKicks(),
        M0010_CreateChatMessages(),
        M0030_AddRoleAndSuspensionToUsers(),
        M0031_CreateAdminAudit(),
        M0060_AddPreferredProviderToUsers(),
        M0061_AddProviderIngressToStreams(),
        M0020_CreateUserIdentities(),
        M0021_CreateReceivedWebhooks(),
        M0022_AddDisplayNameToUsers(),
        M0050_CreateWebhookEndpoints(),
        M0051_CreateWebhookDeliveries(),
        M0070_CreateVideos(),
        M0071_AddRecordToStreams(),
        M0080_AddKeepUploadedThumbnailToStreams(),
        M0090_CreateNodes(),
        M0100_CreateProviderSessions(),
    ]
}
