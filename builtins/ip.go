package builtins

// Module ip, for designers.
//
// IPv4 and IPv6 addresses and prefixes, as strings in, strings out. Every function works on
// both families; a value that is not an address (or prefix) is an error naming it.
//
//	ip.is_valid(s)          -> bool: s is an address ("192.0.2.1") or a prefix ("192.0.2.1/30")
//	ip.parse(s)             -> s in canonical form ("2001:DB8::01/64" -> "2001:db8::1/64"); fails
//	                           when s is neither an address nor a prefix
//	ip.is_ipv4(s)           -> bool: an IPv4 address or prefix (False for IPv6)
//	ip.address(s)           -> the address part: "192.0.2.1/30" -> "192.0.2.1"
//	ip.prefixlen(s)         -> the prefix length: "192.0.2.1/30" -> 30 (32 or 128 for an address)
//	ip.network(s)           -> the prefix with its host bits cleared: "192.0.2.1/30" -> "192.0.2.0/30"
//	ip.broadcast(s)         -> the last address of the prefix: "192.0.2.1/30" -> "192.0.2.3"
//	ip.host(prefix, n)      -> the n-th address of the prefix's network, with the prefix length:
//	                           host("10.0.0.0/30", 1) -> "10.0.0.1/30"; n < 0 counts from the end
//	                           (-1 is the last address); fails when n is outside the prefix
//	ip.contains(prefix, x)  -> bool: the address or prefix x lies inside prefix (False across
//	                           families)
//
// A PE-CE /30 from a prefix pool:
//
//	subnet = pools.allocate("pe-ce-subnet", key=ep["port"])    # "10.0.0.4/30"
//	pe = ip.host(subnet, 1)                                    # "10.0.0.5/30"
//	ce = ip.address(ip.host(subnet, 2))                        # "10.0.0.6"
//
// Zones ("fe80::1%eth0") are refused: configuration never carries them.

import (
	"fmt"
	"math/big"
	"net/netip"
	"strings"

	"go.starlark.net/starlark"
	"go.starlark.net/starlarkstruct"
)

var ipModule = &starlarkstruct.Module{
	Name: "ip",
	Members: starlark.StringDict{
		"is_valid":  starlark.NewBuiltin("ip.is_valid", ipIsValid),
		"parse":     starlark.NewBuiltin("ip.parse", ipUnary(func(p netip.Prefix, bare bool) (starlark.Value, error) { return starlark.String(format(p, bare)), nil })),
		"is_ipv4":   starlark.NewBuiltin("ip.is_ipv4", ipUnary(func(p netip.Prefix, _ bool) (starlark.Value, error) { return starlark.Bool(p.Addr().Is4()), nil })),
		"address":   starlark.NewBuiltin("ip.address", ipUnary(func(p netip.Prefix, _ bool) (starlark.Value, error) { return starlark.String(p.Addr().String()), nil })),
		"prefixlen": starlark.NewBuiltin("ip.prefixlen", ipUnary(func(p netip.Prefix, _ bool) (starlark.Value, error) { return starlark.MakeInt(p.Bits()), nil })),
		"network":   starlark.NewBuiltin("ip.network", ipUnary(func(p netip.Prefix, _ bool) (starlark.Value, error) { return starlark.String(p.Masked().String()), nil })),
		"broadcast": starlark.NewBuiltin("ip.broadcast", ipUnary(func(p netip.Prefix, _ bool) (starlark.Value, error) {
			return starlark.String(lastAddr(p).String()), nil
		})),
		"host":     starlark.NewBuiltin("ip.host", ipHost),
		"contains": starlark.NewBuiltin("ip.contains", ipContains),
	},
}

// parseIP reads an address ("192.0.2.1", bare is true; it becomes a /32 or /128) or a prefix
// whose address may have host bits set ("192.0.2.1/30").
func parseIP(s string) (p netip.Prefix, bare bool, err error) {
	if strings.Contains(s, "%") {
		return netip.Prefix{}, false, fmt.Errorf("%q: zoned addresses are not accepted", s)
	}
	if strings.Contains(s, "/") {
		p, err := netip.ParsePrefix(s)
		if err != nil {
			return netip.Prefix{}, false, fmt.Errorf("%q is not an IP address or prefix", s)
		}
		return p, false, nil
	}
	a, err := netip.ParseAddr(s)
	if err != nil {
		return netip.Prefix{}, false, fmt.Errorf("%q is not an IP address or prefix", s)
	}
	return netip.PrefixFrom(a, a.BitLen()), true, nil
}

func format(p netip.Prefix, bare bool) string {
	if bare {
		return p.Addr().String()
	}
	return p.String()
}

// ipUnary builds a builtin taking one address-or-prefix string.
func ipUnary(f func(p netip.Prefix, bare bool) (starlark.Value, error)) func(*starlark.Thread, *starlark.Builtin, starlark.Tuple, []starlark.Tuple) (starlark.Value, error) {
	return func(_ *starlark.Thread, b *starlark.Builtin, args starlark.Tuple, kwargs []starlark.Tuple) (starlark.Value, error) {
		var s string
		if err := starlark.UnpackPositionalArgs(b.Name(), args, kwargs, 1, &s); err != nil {
			return nil, err
		}
		p, bare, err := parseIP(s)
		if err != nil {
			return nil, fmt.Errorf("%s: %w", b.Name(), err)
		}
		return f(p, bare)
	}
}

func ipIsValid(_ *starlark.Thread, b *starlark.Builtin, args starlark.Tuple, kwargs []starlark.Tuple) (starlark.Value, error) {
	var s string
	if err := starlark.UnpackPositionalArgs(b.Name(), args, kwargs, 1, &s); err != nil {
		return nil, err
	}
	_, _, err := parseIP(s)
	return starlark.Bool(err == nil), nil
}

// lastAddr is the last address of p's network.
func lastAddr(p netip.Prefix) netip.Addr {
	b := p.Masked().Addr().AsSlice()
	host := len(b)*8 - p.Bits()
	for i := len(b) - 1; i >= 0 && host > 0; i-- {
		n := min(host, 8)
		b[i] |= byte(1<<n - 1)
		host -= n
	}
	a, _ := netip.AddrFromSlice(b)
	return a
}

func ipHost(_ *starlark.Thread, b *starlark.Builtin, args starlark.Tuple, kwargs []starlark.Tuple) (starlark.Value, error) {
	var s string
	var n starlark.Int
	if err := starlark.UnpackArgs(b.Name(), args, kwargs, "prefix", &s, "n", &n); err != nil {
		return nil, err
	}
	p, bare, err := parseIP(s)
	if err != nil {
		return nil, fmt.Errorf("%s: %w", b.Name(), err)
	}
	if bare {
		return nil, fmt.Errorf("%s: %q is an address, want a prefix (%s/len)", b.Name(), s, s)
	}
	net := p.Masked().Addr()
	size := new(big.Int).Lsh(big.NewInt(1), uint(net.BitLen()-p.Bits()))
	off := n.BigInt()
	if off.Sign() < 0 {
		off.Add(off, size)
	}
	if off.Sign() < 0 || off.Cmp(size) >= 0 {
		return nil, fmt.Errorf("%s: %s has %s addresses; %s is outside it", b.Name(), p.Masked(), size, n)
	}
	v := new(big.Int).SetBytes(net.AsSlice())
	v.Add(v, off)
	buf := make([]byte, net.BitLen()/8)
	v.FillBytes(buf)
	a, _ := netip.AddrFromSlice(buf)
	return starlark.String(netip.PrefixFrom(a, p.Bits()).String()), nil
}

func ipContains(_ *starlark.Thread, b *starlark.Builtin, args starlark.Tuple, kwargs []starlark.Tuple) (starlark.Value, error) {
	var ps, xs string
	if err := starlark.UnpackArgs(b.Name(), args, kwargs, "prefix", &ps, "x", &xs); err != nil {
		return nil, err
	}
	p, _, err := parseIP(ps)
	if err != nil {
		return nil, fmt.Errorf("%s: %w", b.Name(), err)
	}
	x, _, err := parseIP(xs)
	if err != nil {
		return nil, fmt.Errorf("%s: %w", b.Name(), err)
	}
	if p.Addr().Is4() != x.Addr().Is4() {
		return starlark.False, nil
	}
	return starlark.Bool(x.Bits() >= p.Bits() && p.Masked().Contains(x.Addr())), nil
}
