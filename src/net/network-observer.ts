// What the network layer reports to whoever keeps statistics about it (the producer's metrics), without
// knowing who that is: the producer layer implements this, the net layer only calls it.

export interface NetworkObserver {
  /** A connection to `nodeId` became ready (TCP, TLS, ApiVersions and SASL done). */
  connectionCreated(nodeId: number): void;
  /** A connection that was ready closed, for whatever reason. */
  connectionClosed(nodeId: number): void;
  /** A request frame of `bytes` (size prefix included) was handed to the socket. */
  requestSent(nodeId: number, bytes: number): void;
  /** A response frame of `bytes` (size prefix included) arrived. */
  responseReceived(nodeId: number, bytes: number): void;
}
