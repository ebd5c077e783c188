package builtins

import "testing"

func TestValidPort(t *testing.T) {
	tests := []struct {
		name, expr, want, err string
	}{
		{"junos ge", `inventory.valid_port("junos", "ge-0/0/1")`, "True", ""},
		{"junos channel", `inventory.valid_port("junos", "xe-0/1/0:2")`, "True", ""},
		{"junos ae", `inventory.valid_port("junos", "ae12")`, "True", ""},
		{"junos sros name", `inventory.valid_port("junos", "1/1/3")`, "False", ""},
		{"junos unit", `inventory.valid_port("junos", "ge-0/0/1.100")`, "False", ""},
		{"junos suffix", `inventory.valid_port("junos", "ge-0/0/1x")`, "False", ""},
		{"sros port", `inventory.valid_port("sros", "1/1/3")`, "True", ""},
		{"sros connector", `inventory.valid_port("sros", "1/1/c1/1")`, "True", ""},
		{"sros lag", `inventory.valid_port("sros", "lag-1")`, "True", ""},
		{"sros junos name", `inventory.valid_port("sros", "ge-0/0/1")`, "False", ""},
		{"sros too deep", `inventory.valid_port("sros", "1/1/1/1")`, "False", ""},
		{"unknown vendor", `inventory.valid_port("eos", "Ethernet1")`, "", `inventory.valid_port: no port names known for vendor "eos" (known: junos, sros)`},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			got, err := eval(t, tt.expr)
			if tt.err != "" {
				if err == nil || err.Error() != tt.err {
					t.Fatalf("error %v, want %q", err, tt.err)
				}
				return
			}
			if err != nil {
				t.Fatal(err)
			}
			if got != tt.want {
				t.Errorf("%s = %s, want %s", tt.expr, got, tt.want)
			}
		})
	}
}
