package pack

import (
	"fmt"
	"math/big"
	"net/netip"
	"strconv"
	"strings"

	"github.com/xprov/xprov/builtins"
)

var _ builtins.PoolDef = PoolSpec{}

// maxPrefixBits caps the number of subnets a prefix pool may address (2^62).
const maxPrefixBits = 62

// check reports what is wrong with the spec, "" when it is usable.
func (s PoolSpec) check() string {
	switch s.Type {
	case "int", "format":
		if s.End < s.Start {
			return fmt.Sprintf("end %d is below start %d", s.End, s.Start)
		}
		if s.Type == "format" && !strings.Contains(s.Format, "{}") {
			return fmt.Sprintf("format %q has no {} for the value", s.Format)
		}
	case "prefix":
		p, err := netip.ParsePrefix(s.Prefix)
		if err != nil {
			return fmt.Sprintf("prefix %q: %v", s.Prefix, err)
		}
		if p.Masked() != p {
			return fmt.Sprintf("prefix %q has host bits set (did you mean %s?)", s.Prefix, p.Masked())
		}
		if s.Length < p.Bits() || s.Length > p.Addr().BitLen() {
			return fmt.Sprintf("length %d must be between the prefix length %d and %d", s.Length, p.Bits(), p.Addr().BitLen())
		}
		if lo, hi := s.Bounds(); hi < lo {
			return fmt.Sprintf("start %d / end %d leave no subnet", s.Start, s.End)
		}
	default:
		return fmt.Sprintf("unknown pool type %q (want int, format or prefix)", s.Type)
	}
	return ""
}

// Bounds implements builtins.PoolDef: [start, end] for int and format pools; for prefix pools
// the subnet indexes, [start, end] narrowed to the subnets the prefix holds (end 0 = all).
func (s PoolSpec) Bounds() (lo, hi int64) {
	if s.Type != "prefix" {
		return s.Start, s.End
	}
	p, err := netip.ParsePrefix(s.Prefix)
	if err != nil {
		return 1, 0
	}
	bits := s.Length - p.Bits()
	if bits > maxPrefixBits {
		bits = maxPrefixBits
	}
	if bits < 0 {
		return 1, 0
	}
	last := int64(1)<<bits - 1
	hi = last
	if s.End > 0 && s.End < last {
		hi = s.End
	}
	return s.Start, hi
}

// Value implements builtins.PoolDef: the integer (int), the formatted string (format), or the
// n-th subnet in CIDR form (prefix).
func (s PoolSpec) Value(n int64) (any, error) {
	switch s.Type {
	case "int":
		return n, nil
	case "format":
		return strings.ReplaceAll(s.Format, "{}", strconv.FormatInt(n, 10)), nil
	case "prefix":
		p, err := netip.ParsePrefix(s.Prefix)
		if err != nil {
			return nil, fmt.Errorf("prefix %q: %w", s.Prefix, err)
		}
		a := p.Masked().Addr()
		width := a.BitLen()
		raw := a.As16()
		base := new(big.Int).SetBytes(raw[:])
		off := new(big.Int).Lsh(big.NewInt(n), uint(width-s.Length))
		base.Add(base, off)
		var out [16]byte
		base.FillBytes(out[:])
		addr := netip.AddrFrom16(out)
		if a.Is4() {
			addr = addr.Unmap()
		}
		sub := netip.PrefixFrom(addr, s.Length)
		if !p.Contains(addr) {
			return nil, fmt.Errorf("subnet %d is outside %s", n, s.Prefix)
		}
		return sub.String(), nil
	}
	return nil, fmt.Errorf("unknown pool type %q", s.Type)
}

// Offset implements builtins.PoolDef, Value's inverse: the int itself (int), the number in the
// format's {} (format: "65000:{}" and "65000:120" -> 120), or the index of a subnet of the
// pool's length inside the pool's prefix (prefix). The result may lie outside [start, end].
func (s PoolSpec) Offset(v any) (int64, error) {
	switch s.Type {
	case "int":
		n, ok := v.(int64)
		if !ok {
			return 0, fmt.Errorf("want an int, got %T", v)
		}
		return n, nil
	case "format":
		str, ok := v.(string)
		if !ok {
			return 0, fmt.Errorf("want a string like %q, got %T", s.Format, v)
		}
		before, after, _ := strings.Cut(s.Format, "{}")
		mid, ok := strings.CutPrefix(str, before)
		if ok {
			mid, ok = strings.CutSuffix(mid, after)
		}
		n, err := strconv.ParseInt(mid, 10, 64)
		if !ok || err != nil || strings.ReplaceAll(s.Format, "{}", strconv.FormatInt(n, 10)) != str {
			return 0, fmt.Errorf("%q does not have the form %q", str, s.Format)
		}
		return n, nil
	case "prefix":
		str, ok := v.(string)
		if !ok {
			return 0, fmt.Errorf("want a subnet like \"a.b.c.d/%d\", got %T", s.Length, v)
		}
		sub, err := netip.ParsePrefix(str)
		if err != nil || sub.Bits() != s.Length || sub.Masked() != sub {
			return 0, fmt.Errorf("%q is not a /%d subnet", str, s.Length)
		}
		p, err := netip.ParsePrefix(s.Prefix)
		if err != nil {
			return 0, fmt.Errorf("prefix %q: %w", s.Prefix, err)
		}
		base := p.Masked()
		if base.Addr().Is4() != sub.Addr().Is4() || !base.Contains(sub.Addr()) {
			return 0, fmt.Errorf("%s is not inside %s", str, s.Prefix)
		}
		a, b := base.Addr().As16(), sub.Addr().As16()
		diff := new(big.Int).Sub(new(big.Int).SetBytes(b[:]), new(big.Int).SetBytes(a[:]))
		diff.Rsh(diff, uint(sub.Addr().BitLen()-s.Length))
		if !diff.IsInt64() {
			return 0, fmt.Errorf("%s is too far inside %s", str, s.Prefix)
		}
		return diff.Int64(), nil
	}
	return 0, fmt.Errorf("unknown pool type %q", s.Type)
}
