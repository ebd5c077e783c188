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
