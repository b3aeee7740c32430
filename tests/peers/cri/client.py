"""Drive containerd's CRI plugin (runtime.v1) from Python without crictl.

Debian ships no crictl and no generated CRI stubs, but /usr/bin/containerd
embeds the CRI protobuf descriptors as gzipped FileDescriptorProtos (the Go
protobuf registry keeps them for reflection).  We find every gzip stream in
the binary, keep the one whose package is ``runtime.v1`` (api.proto), drop
its gogoproto dependency and options (only Go code generation uses them),
and build message classes with google.protobuf's descriptor pool.  Calls
go through grpc's generic ``unary_unary`` on a unix socket.
"""

import zlib

import grpc
from google.protobuf import descriptor_pb2, descriptor_pool, json_format
from google.protobuf import message_factory

CRI_PACKAGE = "runtime.v1"
SERVICES = ("RuntimeService", "ImageService")


def _strip_options(msg):
    """Clear gogoproto options everywhere (their extension is not loaded),
    keeping map_entry: without it map fields decode as repeated entries."""
    map_entry = getattr(msg.options, "map_entry", False)
    msg.ClearField("options")
    if map_entry:
        msg.options.map_entry = True
    for name in ("field", "nested_type", "enum_type", "value", "method"):
        if name in msg.DESCRIPTOR.fields_by_name:
            for sub in getattr(msg, name):
                _strip_options(sub)


def extract_descriptor(binary="/usr/bin/containerd", package=CRI_PACKAGE):
    """Return the FileDescriptorProto of `package` embedded in `binary`."""
    with open(binary, "rb") as f:
        data = f.read()
    pos = 0
    while True:
        pos = data.find(b"\x1f\x8b\x08", pos)
        if pos < 0:
            raise LookupError("no %s descriptor in %s" % (package, binary))
        try:
            raw = zlib.decompressobj(31).decompress(data[pos:pos + (4 << 20)])
            fd = descriptor_pb2.FileDescriptorProto.FromString(raw)
            if fd.package == package and fd.service:
                return fd
        except Exception:  # not a gzip stream or not a descriptor
            pass
        pos += 3


def _message_class(pool, full_name):
    desc = pool.FindMessageTypeByName(full_name)
    if hasattr(message_factory, "GetMessageClass"):
        return message_factory.GetMessageClass(desc)
    return message_factory.MessageFactory(pool).GetPrototype(desc)


class CriClient:
    """runtime.v1 RuntimeService/ImageService over a unix socket."""

    def __init__(self, socket_path, binary="/usr/bin/containerd", timeout=60):
        fd = extract_descriptor(binary)
        del fd.dependency[:]
        _strip_options(fd)
        for m in fd.message_type:
            _strip_options(m)
        for e in fd.enum_type:
            _strip_options(e)
        for s in fd.service:
            _strip_options(s)
        self.pool = descriptor_pool.DescriptorPool()
        self.pool.Add(fd)
        self.timeout = timeout
        self.channel = grpc.insecure_channel("unix://" + socket_path)
        self.methods = {}
        for svc in SERVICES:
            sd = self.pool.FindServiceByName("%s.%s" % (CRI_PACKAGE, svc))
            for m in sd.methods:
                req = _message_class(self.pool, m.input_type.full_name)
                resp = _message_class(self.pool, m.output_type.full_name)
                stub = self.channel.unary_unary(
                    "/%s.%s/%s" % (CRI_PACKAGE, svc, m.name),
                    request_serializer=req.SerializeToString,
                    response_deserializer=resp.FromString)
                self.methods[m.name] = (req, stub)

    def call(self, method, request=None, timeout=None):
        """Call `method` with a dict request; return the response as a dict
        (proto field names, defaults included)."""
        req_cls, stub = self.methods[method]
        req = json_format.ParseDict(request or {}, req_cls())
        resp = stub(req, timeout=timeout or self.timeout)
        return json_format.MessageToDict(
            resp, preserving_proto_field_name=True,
            including_default_value_fields=True)

    def enum_value(self, enum_name, value):
        """Name of a runtime.v1 enum number (e.g. ContainerState)."""
        e = self.pool.FindEnumTypeByName("%s.%s" % (CRI_PACKAGE, enum_name))
        return e.values_by_number[value].name

    def close(self):
        self.channel.close()
