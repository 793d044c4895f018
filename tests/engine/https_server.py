"""HTTPS plumbing shared by the test simulators (ovirtsim, ucsmsim).

A threading HTTP server whose sockets are TLS-wrapped on accept (the
handshake runs in the handler's own thread), that tracks its open
connections so ``stop()`` can drop them, and a base handler that reads
bodies and sends each answer in one write. What each simulator answers
stays in its own handler; :class:`Listener` runs a server in a background
thread with freshly generated TLS files (:func:`generate_tls_files`).
"""

import datetime
import http.server
import ipaddress
import os
import secrets
import shutil
import socket
import socketserver
import ssl
import sys
import tempfile
import threading


def generate_tls_files(directory):
    """Write a CA and a server certificate for 127.0.0.1/localhost.

    Returns ``(ca_file, cert_file, key_file)``. The CA file is what clients
    pass as ``ca_file``; the server presents its certificate and the CA.
    """
    from cryptography import x509
    from cryptography.hazmat.primitives import hashes, serialization
    from cryptography.hazmat.primitives.asymmetric import ec
    from cryptography.x509.oid import ExtendedKeyUsageOID, NameOID

    now = datetime.datetime.now(datetime.timezone.utc)
    not_before = now - datetime.timedelta(days=1)
    not_after = now + datetime.timedelta(days=30)

    ca_key = ec.generate_private_key(ec.SECP256R1())
    ca_name = x509.Name([
        x509.NameAttribute(NameOID.ORGANIZATION_NAME, "ovirtsim"),
        x509.NameAttribute(NameOID.COMMON_NAME,
                           "ovirtsim CA %s" % secrets.token_hex(4)),
    ])
    ca_ski = x509.SubjectKeyIdentifier.from_public_key(ca_key.public_key())
    def builder(subject, public_key, ca):
        """Issued by the CA; a CA signs certificates, a server agrees keys."""
        return (x509.CertificateBuilder()
                .subject_name(subject)
                .issuer_name(ca_name)
                .public_key(public_key)
                .serial_number(x509.random_serial_number())
                .not_valid_before(not_before)
                .not_valid_after(not_after)
                .add_extension(x509.BasicConstraints(
                    ca=ca, path_length=0 if ca else None), critical=True)
                .add_extension(x509.KeyUsage(
                    digital_signature=True, content_commitment=False,
                    key_encipherment=False, data_encipherment=False,
                    key_agreement=not ca, key_cert_sign=ca, crl_sign=ca,
                    encipher_only=False, decipher_only=False), critical=True))

    ca_cert = (
        builder(ca_name, ca_key.public_key(), ca=True)
        .add_extension(ca_ski, critical=False)
        .sign(ca_key, hashes.SHA256())
    )

    key = ec.generate_private_key(ec.SECP256R1())
    cert = (
        builder(x509.Name([
            x509.NameAttribute(NameOID.ORGANIZATION_NAME, "ovirtsim"),
            x509.NameAttribute(NameOID.COMMON_NAME, "127.0.0.1"),
        ]), key.public_key(), ca=False)
        .add_extension(x509.ExtendedKeyUsage([ExtendedKeyUsageOID.SERVER_AUTH]),
                       critical=False)
        .add_extension(x509.SubjectAlternativeName([
            x509.IPAddress(ipaddress.ip_address("127.0.0.1")),
            x509.DNSName("localhost"),
        ]), critical=False)
        .add_extension(
            x509.SubjectKeyIdentifier.from_public_key(key.public_key()),
            critical=False)
        .add_extension(
            x509.AuthorityKeyIdentifier.from_issuer_subject_key_identifier(
                ca_ski),
            critical=False)
        .sign(ca_key, hashes.SHA256())
    )

    pem = serialization.Encoding.PEM
    ca_file = os.path.join(directory, "ca.pem")
    cert_file = os.path.join(directory, "server.pem")
    key_file = os.path.join(directory, "server.key")
    with open(ca_file, "wb") as f:
        f.write(ca_cert.public_bytes(pem))
    with open(cert_file, "wb") as f:
        f.write(cert.public_bytes(pem) + ca_cert.public_bytes(pem))
    fd = os.open(key_file, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o600)
    with os.fdopen(fd, "wb") as f:
        f.write(key.private_bytes(
            pem, serialization.PrivateFormat.PKCS8,
            serialization.NoEncryption()))
    return ca_file, cert_file, key_file


class TlsServer(socketserver.ThreadingMixIn, http.server.HTTPServer):
    """One thread per connection; ``sim`` is the simulator its handlers ask."""

    daemon_threads = True
    block_on_close = False
    allow_reuse_address = True
    request_queue_size = 128

    def __init__(self, address, handler_class, sim, ssl_context):
        self.sim = sim
        self.ssl_context = ssl_context
        self.open_sockets = set()
        self.sockets_lock = threading.Lock()
        http.server.HTTPServer.__init__(self, address, handler_class)

    def get_request(self):
        sock, addr = self.socket.accept()
        # Small responses must not wait for the client's delayed ACK.
        sock.setsockopt(socket.IPPROTO_TCP, socket.TCP_NODELAY, 1)
        # The TLS handshake happens in the handler's own thread.
        tls = self.ssl_context.wrap_socket(
            sock, server_side=True, do_handshake_on_connect=False)
        with self.sockets_lock:
            self.open_sockets.add(tls)
        self.accepted()
        return tls, addr

    def accepted(self):
        """Called for every accepted connection (a counting hook)."""

    def shutdown_request(self, request):
        with self.sockets_lock:
            self.open_sockets.discard(request)
        http.server.HTTPServer.shutdown_request(self, request)

    def close_open_sockets(self):
        with self.sockets_lock:
            socks = list(self.open_sockets)
        for sock in socks:
            try:
                sock.shutdown(socket.SHUT_RDWR)
            except OSError:
                pass

    def handle_error(self, request, client_address):
        # Clients refusing our certificate (ssl.SSLError), resets, idle
        # keep-alive timeouts and stop() closing connections are all OSError.
        if isinstance(sys.exc_info()[1], OSError):
            return
        http.server.HTTPServer.handle_error(self, request, client_address)


class TlsHandler(http.server.BaseHTTPRequestHandler):
    """Handshake in setup(), quiet log unless the simulator is verbose."""

    sys_version = ""
    #: Seconds a connection may stay silent (handshake and idle keep-alive).
    timeout = 30

    def setup(self):
        self.request.settimeout(self.timeout)
        self.request.do_handshake()
        http.server.BaseHTTPRequestHandler.setup(self)

    def log_message(self, format, *args):
        if getattr(self.server.sim, "verbose", False):
            http.server.BaseHTTPRequestHandler.log_message(
                self, format, *args)

    def read_body(self):
        length = int(self.headers.get("Content-Length") or 0)
        return self.rfile.read(length) if length > 0 else b""

    def send_answer(self, status, body, content_type):
        self.send_response(status)
        self.send_header("Content-Type", content_type)
        self.send_header("Content-Length", str(len(body)))
        # Headers and body in one write (what end_headers() + wfile.write()
        # would do in two): with Nagle's algorithm and the client's delayed
        # ACK, two writes cost ~40 ms per response.
        self._headers_buffer.append(b"\r\n")
        self._headers_buffer.append(body)
        self.flush_headers()


class Listener:
    """A :class:`TlsServer` serving in a background thread.

    :param name: thread name and temp dir prefix.
    :param alpn: ALPN protocols to offer (None: no ALPN).
    """

    def __init__(self, name, address, server_class, handler_class, sim, alpn=None):
        self._tmpdir = tempfile.mkdtemp(prefix=name + "-")
        try:
            self.ca_file, cert_file, key_file = generate_tls_files(self._tmpdir)
            ctx = ssl.SSLContext(ssl.PROTOCOL_TLS_SERVER)
            ctx.load_cert_chain(cert_file, key_file)
            if alpn:
                ctx.set_alpn_protocols(list(alpn))
            self.server = server_class(address, handler_class, sim, ctx)
        except BaseException:
            shutil.rmtree(self._tmpdir, ignore_errors=True)
            raise
        self.port = self.server.server_address[1]
        self._thread = threading.Thread(
            target=self.server.serve_forever, kwargs={"poll_interval": 0.1},
            name=name, daemon=True)
        self._thread.start()

    def stop(self) -> None:
        """Stop serving, drop open connections, remove the TLS files."""
        self.server.shutdown()
        self.server.close_open_sockets()
        self.server.server_close()
        self._thread.join(5)
        shutil.rmtree(self._tmpdir, ignore_errors=True)


class Served:
    """``start()``/``stop()``/``with`` for a simulator served by a :class:`Listener`.

    A subclass names its ``handler_class`` (and may change ``server_class``,
    ``alpn``, ``thread_name``) and has ``host``, ``port`` (0: a free port)
    and ``stopped`` (a threading.Event its parked handlers wait on).
    """

    thread_name = "simulator"
    server_class = TlsServer
    handler_class = TlsHandler
    alpn = None
    _listener = None
    #: The CA file clients verify the server with (set by start()).
    ca_file = None

    def start(self):
        """Generate TLS material, listen and serve in a background thread."""
        if self._listener is not None:
            raise RuntimeError("simulator already started")
        self._listener = Listener(self.thread_name, (self.host, self.port),
                                  self.server_class, self.handler_class, self,
                                  self.alpn)
        self.ca_file = self._listener.ca_file
        self.port = self._listener.port
        return self

    def stop(self) -> None:
        """Stop serving, release parked handlers, drop open connections,
        remove the TLS files."""
        self.stopped.set()
        listener, self._listener = self._listener, None
        if listener is not None:
            listener.stop()

    def __enter__(self):
        return self.start()

    def __exit__(self, *exc):
        self.stop()
