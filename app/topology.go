package app

import (
	"crypto/sha256"
	"encoding/hex"
	"fmt"
	"slices"
	"sort"
	"strings"

	"kurz"
)

// Topologies are the named country tables an operator picks instead of a
// --country flag per country. Each maps EU/EEA countries to eu, the US and
// Canada to us and Asia-Pacific to sg where those regions exist; countries
// of a region the topology lacks, and every other country, go to the
// default region.
var Topologies = map[string][]kurz.Region{
	"eu-us-sg": {"eu", "us", "sg"},
	"eu-us":    {"eu", "us"},
	// eu-sg: what eu-us-sg leaves after us is split off and detached.
	"eu-sg": {"eu", "sg"},
	// single sends everyone to the default region: one region alone.
	"single": nil,
}

// TopologyCountries returns the country table of a named topology.
func TopologyCountries(name string) (map[string]kurz.Region, error) {
	regions, ok := Topologies[name]
	if !ok {
		names := make([]string, 0, len(Topologies))
		for n := range Topologies {
			names = append(names, n)
		}
		sort.Strings(names)
		return nil, fmt.Errorf("unknown topology %q (one of %s)", name, strings.Join(names, ", "))
	}
	out := map[string]kurz.Region{}
	for c, r := range kurz.DefaultCountryRegions() {
		if slices.Contains(regions, r) {
			out[c] = r
		}
	}
	return out, nil
}

// checkTopology explains a country table that sends people to regions
// this process neither hosts nor has as peers (the usual cause: one region
// started alone with the three-region default table).
func (c *Config) checkTopology() error {
	known := c.AllRegions()
	var missing []string
	for _, r := range c.Residency.Countries {
		if !slices.Contains(known, r) && !slices.Contains(missing, string(r)) {
			missing = append(missing, string(r))
		}
	}
	if len(missing) == 0 {
		return nil
	}
	sort.Strings(missing)
	var peers []string
	for _, m := range missing {
		peers = append(peers, "--peer "+m+"=URL")
	}
	return fmt.Errorf("config: the country table sends people to %s, which this process neither hosts nor has as peers: "+
		"name them (%s, with a link secret in KURZ_LINK_SECRET), or pick a topology that matches (--topology single for a region alone, --topology eu-us)",
		strings.Join(missing, " and "), strings.Join(peers, " "))
}

// TopologyHash names what every process of a deployment must agree on:
// the regions, the directory region and the country table (with its
// default). Each process sends it with every link call and refuses calls
// naming another (link.RefusedTopology), so that a process started with
// another --directory or country table is refused, with the cause logged
// on both sides, instead of, say, deciding handle claims of its own.
func (c *Config) TopologyHash() string {
	regions := slices.Clone(c.AllRegions())
	slices.Sort(regions)
	countries := make([]string, 0, len(c.Residency.Countries))
	for k, r := range c.Residency.Countries {
		countries = append(countries, k+"="+string(r))
	}
	sort.Strings(countries)
	h := sha256.New()
	fmt.Fprintf(h, "regions %v\ndirectory %s\ndefault %s\ncountries %s\n", regions, c.Directory, c.Residency.Default, strings.Join(countries, ","))
	return hex.EncodeToString(h.Sum(nil)[:8])
}
