// Public surface of the pure BIRD control-protocol code: framing, reply codes, records, parsers.
export {
  DEFAULT_MAX_LINE_BYTES, DEFAULT_MAX_REPLY_BYTES, frameTranscript, ReplyFramer, utf8Length,
  type ReplyFramerOptions, type ReplyLine, type ReplyLineKind, type ReplyLineSink,
} from "./framing.js";
export {
  BIRD_CODE_NETWORK_NOT_FOUND, BIRD_CODE_STOPPED_BY_RECONFIGURATION, BirdCommandError, checkFinalReplyCode,
  classifyReplyCode, isBirdCommandError, type ReplyCodeClass,
} from "./reply-codes.js";
export { consumeLines, ReplyConsumer } from "./consumer.js";
export type {
  AsPath, AsPathSet, BgpAttributes, BgpOrigin, BirdNextHop, BirdRoute, BirdRouteDest, ExtCommunity,
} from "./route-types.js";
export { parseRoutes, RouteParser, type RouteParserOptions } from "./route-parser.js";
export { NetRouteParser } from "./net-route-parser.js";
export { normalizeAttributeName } from "./route-attributes.js";
export {
  parseAsPath, parseBgpOrigin, parseCommunities, parseExtCommunities, parseLargeCommunities, parseNextHopList,
} from "./bgp-values.js";
export { parseRouteCount, RouteCountParser, type BirdRouteCount, type BirdTableCount } from "./route-count.js";
export { parseStatus, StatusParser, type BirdStatus } from "./status.js";
export { MemoryParser, parseMemory, sizeToBytes, type BirdMemory, type BirdMemoryEntry } from "./memory.js";
export type {
  BirdBgpSession, BirdChangeStats, BirdChannel, BirdProtocol, BirdRouteStats,
} from "./protocol-types.js";
export { parseProtocols, ProtocolsParser, type ProtocolsParserOptions } from "./protocols.js";
export {
  bgpPeersToDescribe, signBirdDaemon, type BirdDaemonFacts, type BirdDaemonSignature, type BirdSignatureScope,
} from "./signature.js";
export { BIRD_TIME_JITTER_MS, steadyBirdTime } from "./steady-time.js";
