import {describe, it, expect} from 'vitest';
import {connect, createServer, type AddressInfo} from 'node:net';
import {coalesceWrites} from '../../src/transport/ssh-connect.js';

describe('coalesceWrites (ssh2 writes each packet in three pieces)', () => {
  it('holds the writes of one tick and sends them together, bytes intact and in order', async () => {
    const received: Buffer[] = [];
    const server = createServer((s) => s.on('data', (b: Buffer) => received.push(b)));
    await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
    const sock = coalesceWrites(connect({host: '127.0.0.1', port: (server.address() as AddressInfo).port, noDelay: true}));
    await new Promise<void>((r) => sock.once('connect', () => r()));
    sock.write(Buffer.from('len:'));
    sock.write('ciphertext:');
    sock.write(Buffer.from('tag'));
    expect(sock.writableCorked).toBe(1); // held until the tick ends ...
    await new Promise((r) => process.nextTick(r));
    expect(sock.writableCorked).toBe(0); // ... then sent as one writev
    sock.write('next');
    await new Promise((r) => setTimeout(r, 100));
    expect(Buffer.concat(received).toString()).toBe('len:ciphertext:tagnext');
    sock.destroy();
    await new Promise<void>((r) => server.close(() => r()));
  });
});
