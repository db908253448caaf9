// Cuts the producer's TCP connections from inside the test process, without any hook in src/: every socket
// this process opens to one of the cluster's broker ports is remembered (Socket.prototype.connect is wrapped
// while the cutter is installed), and a cut acts on those sockets directly. Three ways to cut, because they
// exercise different paths of a retry:
// - 'request': the next Produce-sized write sends only the first half of its frame, then the socket is
//   destroyed: the broker sees a truncated request and drops it (nothing written).
// - 'response': the next chunk a broker sends back is swallowed and the socket destroyed: the broker has
//   appended the batch, the producer never learns it (the case idempotence exists for).
// - 'reset': every open socket is destroyed at once, whatever is in flight.
// TLS sockets are cut the same way: the wrappers sit on the TLSSocket, so they see (and cut) the plaintext frames.
import { Socket } from 'node:net';

export type CutKind = 'request' | 'response' | 'reset';

type Connect = typeof Socket.prototype.connect;

/** Frames at least this big are Produce requests here (Metadata and ApiVersions requests are far smaller). */
const PRODUCE_FRAME_MIN_BYTES = 1024;

export class SocketCutter {
  readonly #ports: Set<number>;
  readonly #sockets = new Set<Socket>();
  /** Sockets that have carried a Produce request: only their responses are worth swallowing. */
  readonly #producing = new WeakSet<Socket>();
  readonly #original: Connect;
  #armed: CutKind | null = null;
  #onCut: (() => void) | null = null;
  /** Cuts that actually happened, by kind. */
  readonly done: Record<CutKind, number> = { request: 0, response: 0, reset: 0 };
  /** Connections opened to the ports so far (TLS ones included: tls.connect goes through Socket.connect). */
  opened = 0;

  constructor(ports: number[]) {
    this.#ports = new Set(ports);
    this.#original = Socket.prototype.connect;
    const cutter = this;
    const original = this.#original;
    Socket.prototype.connect = function (this: Socket, ...args: unknown[]) {
      // net.connect() hands its normalized arguments over as one array: [options, callback].
      const first = Array.isArray(args[0]) ? args[0][0] : args[0];
      const port =
        typeof first === 'object' && first !== null && 'port' in first
          ? Number((first as { port: unknown }).port)
          : Number(first);
      const socket = (original as (...a: unknown[]) => Socket).apply(this, args);
      // After connect(): Node's connect() puts Socket.prototype.write back on the instance.
      if (cutter.#ports.has(port)) cutter.#track(this);
      return socket;
    } as Connect;
  }

  /** Puts Socket.prototype.connect back. Sockets already tracked keep their wrappers (harmless once disarmed). */
  uninstall(): void {
    Socket.prototype.connect = this.#original;
    this.#armed = null;
  }

  /** Open sockets to the brokers right now. */
  get openSockets(): number {
    let n = 0;
    for (const s of this.#sockets) if (!s.destroyed) n++;
    return n;
  }

  /**
   * Cuts once in the given way; resolves when the cut happened ('request'/'response' wait for the next
   * Produce write or response chunk, up to `timeoutMs`, and resolve false if none came).
   */
  cut(kind: CutKind, timeoutMs = 10_000): Promise<boolean> {
    if (kind === 'reset') {
      let any = false;
      for (const socket of this.#sockets) {
        if (socket.destroyed) continue;
        socket.destroy();
        any = true;
      }
      if (any) this.done.reset++;
      return Promise.resolve(any);
    }
    return new Promise((resolve) => {
      const timer = setTimeout(() => {
        this.#armed = null;
        this.#onCut = null;
        resolve(false);
      }, timeoutMs);
      this.#armed = kind;
      this.#onCut = () => {
        clearTimeout(timer);
        this.done[kind]++;
        resolve(true);
      };
    });
  }

  #fire(): void {
    this.#armed = null;
    const onCut = this.#onCut;
    this.#onCut = null;
    onCut?.();
  }

  #track(socket: Socket): void {
    this.opened++;
    this.#sockets.add(socket);
    socket.once('close', () => this.#sockets.delete(socket));
    const cutter = this;
    const write = socket.write;
    socket.write = function (this: Socket, chunk: unknown, ...rest: unknown[]) {
      if (chunk instanceof Uint8Array && chunk.length >= PRODUCE_FRAME_MIN_BYTES) cutter.#producing.add(this);
      if (
        cutter.#armed === 'request' &&
        chunk instanceof Uint8Array &&
        chunk.length >= PRODUCE_FRAME_MIN_BYTES &&
        !this.destroyed
      ) {
        cutter.#fire();
        (write as (...a: unknown[]) => boolean).call(this, chunk.subarray(0, chunk.length >> 1));
        // The connection corks its writes and uncorks on the next tick: let the half frame reach the kernel
        // first, then drop the connection.
        setImmediate(() => this.destroy());
        return true;
      }
      return (write as (...a: unknown[]) => boolean).call(this, chunk, ...rest);
    } as typeof socket.write;
    const emit = socket.emit;
    socket.emit = function (this: Socket, event: string | symbol, ...args: unknown[]) {
      if (
        event === 'data' &&
        cutter.#armed === 'response' &&
        cutter.#producing.has(this) &&
        !this.destroyed
      ) {
        cutter.#fire();
        this.destroy();
        return true;
      }
      return (emit as (...a: unknown[]) => boolean).call(this, event, ...args);
    } as typeof socket.emit;
  }
}
