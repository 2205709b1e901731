import net from 'node:net';

/**
 * A TCP relay in front of a real server, which a test can take down and bring back: to the client
 * that is the server going away (its connections cut, new ones refused) and returning on the same
 * port — a restart of the shared test server, seen by one run only.
 */
export interface TcpProxy {
  port: number;
  /** Cuts every relayed connection and stops listening: connecting is refused until `up`. */
  down(): Promise<void>;
  up(): Promise<void>;
  close(): Promise<void>;
}

/**
 * The server's end of a relayed connection from `client`: both kept in `sockets` while open, each
 * closed with the other, their errors (a cut) left to the closing.
 */
export function connectRelayed(client: net.Socket, target: { host: string; port: number }, sockets: Set<net.Socket>): net.Socket {
  const server = net.connect(target.port, target.host);
  for (const socket of [client, server]) {
    sockets.add(socket);
    socket.on('close', () => sockets.delete(socket));
    socket.on('error', () => {});
  }
  client.on('close', () => server.destroy());
  server.on('close', () => client.destroy());
  return server;
}

export async function startTcpProxy(target: { host: string; port: number }): Promise<TcpProxy> {
  const sockets = new Set<net.Socket>();
  const relay = (client: net.Socket) => {
    const server = connectRelayed(client, target, sockets);
    client.pipe(server).pipe(client);
  };
  let listener = net.createServer(relay);
  await new Promise<void>((resolve) => listener.listen(0, '127.0.0.1', resolve));
  const port = (listener.address() as net.AddressInfo).port;
  let listening = true;
  const stop = async () => {
    if (!listening) return;
    listening = false;
    const closed = new Promise<void>((resolve) => listener.close(() => resolve()));
    for (const socket of sockets) socket.destroy();
    await closed;
  };
  return {
    port,
    down: stop,
    async up() {
      if (listening) return;
      listener = net.createServer(relay);
      await new Promise<void>((resolve) => listener.listen(port, '127.0.0.1', resolve));
      listening = true;
    },
    close: stop,
  };
}
