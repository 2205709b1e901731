/** The one typed API (DESIGN §1): its handlers, the engine hosts runs execute in, and the HTTP server. */
export { createApi, type ApiContext } from './handlers.js';
export { osUserCaller } from './caller.js';
export { dispatch, HTTP_STATUS_BY_ERROR, httpStatusOf } from './dispatch.js';
export { createInProcessEngineHost, type EngineHost, type EngineHostOptions, type RunEventListener, type StartRunRequest } from './engine-host.js';
export type { OperationKind, OperationProgress, OperationRequest } from './long-operations.js';
export { createWorkerEngineHost } from './worker-engine-host.js';
export { seedDemoDatabase, type DemoOptions } from './demo.js';
export { openConsoleStore } from './console-store.js';
export { rendererFile, type RendererFile } from './renderer-files.js';
export { CONTENT_SECURITY_POLICY, startHttpServer, type HttpServerOptions, type RunningServer } from './http-server.js';
export { consoleJudge } from './judge.js';
export { consoleNotifier, notifyRunOutcomes, type ConsoleNotifications } from './notifications.js';
export { applyCongressApiKey, checkWebhookUrl, memoryPreferences, type ConsolePreferences } from './preferences.js';
export { runConsoleScheduler, runTaskThroughEngine, type ConsoleSchedulerOptions } from './scheduler.js';
