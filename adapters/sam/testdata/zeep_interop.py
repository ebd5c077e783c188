"""Drive the SAM simulator with zeep, a SOAP client nobody on this project wrote.

Usage: /usr/bin/python3 zeep_interop.py WSDL_URL USER PASSWORD
Prints one "ok <step>" line per step; exits non-zero on the first failure.
"""
import hashlib
import itertools
import sys

import zeep
from lxml import etree

NS = "xmlapi_1.0"
ANY = ("filter", "resultFilter", "childConfigInfo", "configInfo")


class AnyXML(zeep.Plugin):
    """zeep renders an xsd:anyType value as text; SAM-O wants elements there. Values for the
    anyType parts are passed as lxml elements serialised to strings, and put back as elements
    here, on the way out."""

    def egress(self, envelope, http_headers, operation, binding_options):
        for tag in ANY:
            for node in envelope.iter("{%s}%s" % (NS, tag)):
                if node.text and node.text.lstrip().startswith("<"):
                    wrapped = etree.fromstring('<w xmlns="%s">%s</w>' % (NS, node.text))
                    node.text = None
                    for child in wrapped:
                        node.append(child)
        return envelope, http_headers


wsdl, user, password = sys.argv[1:4]
client = zeep.Client(wsdl, plugins=[AnyXML()])
svc = client.service
header_el = client.get_element("{%s}header" % NS)
ids = itertools.count(1)


def header(hashed=True, pw=password):
    if hashed:
        pwd = {"_value_1": hashlib.md5(pw.encode()).hexdigest()}
    else:
        pwd = {"_value_1": pw, "hashed": "false"}
    return header_el(security={"user": user, "password": pwd}, requestID="zeep:%d" % next(ids))


def el(tag, text=None, **attrs):
    e = etree.Element("{%s}%s" % (NS, tag), **attrs)
    if text is not None:
        e.text = text
    return e


def xml(e):
    return etree.tostring(e).decode()


def obj(cls, action, **props):
    e = el(cls)
    mask = etree.SubElement(e, "{%s}actionMask" % NS)
    etree.SubElement(mask, "{%s}bit" % NS).text = action
    for k, v in props.items():
        etree.SubElement(e, "{%s}%s" % (NS, k)).text = v
    return e


def local(e):
    return etree.QName(e).localname


def find(cls, flt=None):
    kw = {"fullClassName": cls, "_soapheaders": [header()]}
    if flt is not None:
        kw["filter"] = xml(flt)
    res = svc.find(**kw)
    if res is None:
        return []
    if isinstance(res, list):
        return res
    return list(res) if hasattr(res, "__iter__") and not isinstance(res, (str, bytes)) else [res]


def check(cond, msg):
    if not cond:
        print("FAIL", msg)
        sys.exit(1)
    print("ok", msg)


# login: ping with the MD5 header and with a plain-text password
svc.ping(_soapheaders=[header()])
svc.ping(_soapheaders=[header(hashed=False)])
check(True, "login")

# find network elements
nes = find("netw.NetworkElement", el("equal", name="siteName", value="sr1"))
names = [local(n) for n in nes]
check(names == ["netw.NetworkElement"], "find netw.NetworkElement sr1 -> %s" % names)

# create an epipe with one site below svc-mgr in one request
epipe = obj("epipe.Epipe", "create", serviceId="4242", customerId="1", displayedName="zeep <&> test")
kids = etree.SubElement(epipe, "{%s}children-Set" % NS)
kids.append(obj("epipe.Site", "create", siteId="10.255.2.1"))
r = svc["generic.GenericObject.configureChildInstance"](
    deployer="immediate", synchronousDeploy="true", distinguishedName="svc-mgr",
    childConfigInfo=xml(epipe), _soapheaders=[header()])
check(r == "svc-mgr:service-4242", "create epipe 4242 -> %r" % (r,))

found = find("epipe.Epipe", el("equal", name="serviceId", value="4242"))
check(len(found) == 1, "find epipe 4242")
dn = [c.text for c in found[0] if local(c) == "displayedName"]
check(dn == ["zeep <&> test"], "displayedName round trip %r" % dn)

svc["generic.GenericObject.deleteInstance"](
    deployer="immediate", synchronousDeploy="true", instanceName="svc-mgr:service-4242",
    _soapheaders=[header()])
check(find("epipe.Epipe", el("equal", name="serviceId", value="4242")) == [], "delete epipe 4242")

# a bad request: deleting what does not exist is a SOAP fault
try:
    svc["generic.GenericObject.deleteInstance"](instanceName="svc-mgr:service-4242", _soapheaders=[header()])
except zeep.exceptions.Fault as f:
    check("does not exist" in f.message, "fault for a bad request: %s (%s)" % (f.message, f.code))
else:
    check(False, "deleting a missing object did not fault")

# bad credentials are a fault too
try:
    svc.ping(_soapheaders=[header(pw="wrong")])
except zeep.exceptions.Fault as f:
    check("authentication failed" in f.message, "fault for bad credentials: %s" % f.message)
else:
    check(False, "bad credentials accepted")
