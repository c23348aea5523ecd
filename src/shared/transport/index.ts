export { RpcClient } from './rpc-client.js';
export { RpcServer, type Impls } from './rpc-server.js';
export { createMemoryChannelPair } from './memory-channel.js';
export { messagePortChannel, type PortLike } from './message-port-channel.js';
export { webSocketChannel, type WebSocketLike } from './websocket-channel.js';
export { ipcChannel, type IpcEndpoint } from './ipc-channel.js';
