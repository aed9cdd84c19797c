// Why the server closed a WebSocket: the same names and numbers as `WebSocketCloseCode`
// (Swift); a test keeps the two lists equal.
export const CloseCode = Object.freeze({
  NORMAL: 1000,
  GOING_AWAY: 1001,
  PROTOCOL_ERROR: 1002,
  TOO_SLOW: 1008,
  MESSAGE_TOO_BIG: 1009,
  EJECTED: 4003,
});
