// What a forward proxy does with `CONNECT host:port`: connect to the target, answer 200, then
// pipe both ways. `track` sees every socket so a test can destroy them at the end.
import net, { type Socket } from 'node:net';

export function openTunnel(target: string, client: Socket, head: Buffer, track: (s: Socket) => void): void {
  const [host, port] = target.split(':');
  const up = net.connect({ host, port: Number(port) }, () => {
    client.write('HTTP/1.1 200 Connection Established\r\n\r\n');
    if (head.length) up.write(head);
    up.pipe(client);
    client.pipe(up);
  });
  track(up);
  up.on('error', () => client.destroy());
  client.on('error', () => up.destroy());
}
