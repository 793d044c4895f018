"""A libvirtd that accepts connections and never answers: a unix socket the
libvirt client reaches through `qemu:///system?socket=PATH`."""
import contextlib
import os
import shutil
import socket
import tempfile
import threading


@contextlib.contextmanager
def hung_libvirtd():
    """Yield the URI of a socket that accepts and never answers; on exit
    close every connection, which ends any client still waiting on it."""
    # A short directory: a unix socket path is at most 107 bytes.
    directory = tempfile.mkdtemp(prefix="vmfex-hung-")
    path = os.path.join(directory, "libvirt-sock")
    server = socket.socket(socket.AF_UNIX, socket.SOCK_STREAM)
    server.bind(path)
    os.chmod(directory, 0o755)
    server.listen(8)
    accepted = []
    stop = threading.Event()

    def accept() -> None:
        server.settimeout(0.1)
        while not stop.is_set():
            try:
                accepted.append(server.accept()[0])
            except socket.timeout:
                continue
            except OSError:
                return

    acceptor = threading.Thread(target=accept, daemon=True)
    acceptor.start()
    try:
        yield "qemu:///system?socket=%s" % path
    finally:
        stop.set()
        acceptor.join(5)
        for conn in accepted:
            conn.close()
        server.close()
        shutil.rmtree(directory)
