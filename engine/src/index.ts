/**
 * @skiff/engine's public surface: run an engine in-process (tests, tools), build the Docker API
 * on other backends, and the configuration and error types callers see. Clients of a running
 * engine do not import this: they speak the Docker Engine API over the socket (`skiff`, @skiff/core).
 */
export type { ApiBackends, EngineFacts } from './api/api-backends.js';
export { PayloadTooLargeError, RouteNotFoundError, UnsupportedApiVersionError } from './api/api-errors.js';
export { CORE_ROUTES, createApiRouter, type RouteModule } from './api/api-router.js';
export { ApiServer, type ApiServerOptions } from './api/api-server.js';
export { errorStatus } from './api/error-status.js';
export { type HijackedConnection, HttpExchange } from './api/http-exchange.js';
export { encodeFrames, FrameDecoder, frameHeader, StreamType } from './api/protocol/multiplexed-stream.js';
export { type Handler, type Method, Router } from './api/router.js';
export { type EngineConfig, loadEngineConfig, type RuntimeName, socketPathFromHost } from './config.js';
export { API_VERSION, ENGINE_VERSION, Label, MediaType, MIN_API_VERSION } from './constants.js';
export { type RunningEngine, type StartEngineOptions, startEngine } from './daemon/engine.js';
export * from './errors.js';
export { type EngineEvent, EventBus } from './events/event-bus.js';
export { createLogger, type Logger, silentLogger } from './logger.js';
