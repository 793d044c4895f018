"""`--cafile` trusts that file only, whatever libcurl was built with.

ovirtsdk4 documents `ca_file` as the CA certificates the engine's
certificate is verified with (the system store only without it). A libcurl
built with a default CA directory (Debian's libcurl-gnutls:
/etc/ssl/certs) adds that directory to every handle the SDK makes, so any
public CA would do for the engine's name, and every new connection parses
the whole directory (~150 certificates, most of a command's CPU time). EL's
libcurl has no default directory: there nothing changes.
"""
import types


def _pinned_curl(pycurl):
    class PinnedCurl(pycurl.Curl):
        """A curl handle that, given a CA file, drops the default CA directory."""

        def setopt(self, option, value):
            pycurl.Curl.setopt(self, option, value)
            if option == pycurl.CAINFO:
                try:
                    self.unsetopt(pycurl.CAPATH)
                except pycurl.error:
                    pass  # a TLS backend without CA directories: nothing to drop

        def __repr__(self):
            # pycurl's own: the SDK words a failed transfer with the handle's
            # repr, and session.py reads libcurl's code and text from it
            return "<pycurl.Curl object at %#x>" % id(self)

    return PinnedCurl


def pin_ca_file(sdk) -> None:
    """Make the handles `sdk` (the ovirtsdk4 module) creates trust a CA file
    alone when one is set; once per process, an SDK without pycurl as is."""
    pycurl = getattr(sdk, "pycurl", None)
    if not isinstance(pycurl, types.ModuleType) or getattr(pycurl, "vmfex_pinned", False) \
            or not all(hasattr(pycurl, name) for name in ("Curl", "CAINFO", "CAPATH")):
        return
    pinned = types.ModuleType(pycurl.__name__, pycurl.__doc__)
    pinned.__dict__.update(pycurl.__dict__)
    pinned.Curl = _pinned_curl(pycurl)
    pinned.vmfex_pinned = True
    sdk.pycurl = pinned
