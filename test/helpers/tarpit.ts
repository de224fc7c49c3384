// A receiver that accepts connections, reads them and never answers: the worst endpoint a tenant
// can point its webhooks at (each request holds a delivery slot until its timeout).
import { createServer, type AddressInfo, type Server, type Socket } from 'node:net';

export interface Tarpit {
  url: string;
  /** Connections open now. */
  open(): number;
  /** Connections accepted since the start. */
  accepted(): number;
  close(): Promise<void>;
}

export async function startTarpit(): Promise<Tarpit> {
  const sockets = new Set<Socket>();
  let accepted = 0;
  const server: Server = createServer((socket) => {
    accepted++;
    sockets.add(socket);
    socket.on('data', () => {});
    socket.on('error', () => {});
    socket.on('close', () => sockets.delete(socket));
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  return {
    url: `http://127.0.0.1:${(server.address() as AddressInfo).port}`,
    open: () => sockets.size,
    accepted: () => accepted,
    close: () => new Promise((resolve) => {
      for (const socket of sockets) socket.destroy();
      server.close(() => resolve());
    }),
  };
}
