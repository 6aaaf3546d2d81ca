/**
 * Opens `count` UDP sockets bound to one address and port with SO_REUSEPORT, the first with a
 * classic BPF program that picks a socket by the datagram's bytes 4–7 (the RADIUS Request
 * Authenticator) modulo `count`. Returns their file descriptors, non-blocking and close-on-exec,
 * for `dgram.Socket.bind({ fd })`. Port 0 binds the first to a free port and the rest to the same.
 * `steerByState`: a request with a State attribute (among its first 24 attributes) goes to socket
 * (State's first byte) % count instead, and one without a State but with a Calling-Station-Id to
 * the socket a hash of that attribute's last four bytes names. Throws an Error whose `code` is the errno name (EADDRINUSE, EACCES, ...); nothing stays open then.
 */
export function openGroup(address: string, port: number, count: number, steerByState?: boolean): number[];
