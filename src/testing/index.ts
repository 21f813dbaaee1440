// `conduit/testing` (SPEC §22): what users' contract tests import.
export { createTestGateway } from './gateway.js'
export type { TestGateway, TestGatewayOptions } from './gateway.js'
export type { ExecuteInput, TestResponse, TestUser } from './run.js'
export { HttpDispatcher } from './http-dispatcher.js'
export type { HttpDispatcherOptions, IncomingResponse, OutgoingRequest } from './http-dispatcher.js'
export { MemorySecretStore } from './memory-store.js'
