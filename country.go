package kurz

import (
	"fmt"
	"strings"
)

// countries is ISO 3166-1 alpha-2, the codes accepted at sign-up.
var countries = strings.Fields(`
AD AE AF AG AI AL AM AO AQ AR AS AT AU AW AX AZ BA BB BD BE BF BG BH BI BJ BL BM BN BO BQ BR BS BT BV BW BY BZ
CA CC CD CF CG CH CI CK CL CM CN CO CR CU CV CW CX CY CZ DE DJ DK DM DO DZ EC EE EG EH ER ES ET FI FJ FK FM FO FR
GA GB GD GE GF GG GH GI GL GM GN GP GQ GR GS GT GU GW GY HK HM HN HR HT HU ID IE IL IM IN IO IQ IR IS IT JE JM JO
JP KE KG KH KI KM KN KP KR KW KY KZ LA LB LC LI LK LR LS LT LU LV LY MA MC MD ME MF MG MH MK ML MM MN MO MP MQ MR
MS MT MU MV MW MX MY MZ NA NC NE NF NG NI NL NO NP NR NU NZ OM PA PE PF PG PH PK PL PM PN PR PS PT PW PY QA RE RO
RS RU RW SA SB SC SD SE SG SH SI SJ SK SL SM SN SO SR SS ST SV SX SY SZ TC TD TF TG TH TJ TK TL TM TN TO TR TT TV
TW TZ UA UG UM US UY UZ VA VC VE VG VI VN VU WF WS YE YT ZA ZM ZW`)

// DefaultCountryRegions is the default home-region table: EU/EEA countries
// live in eu, the US and Canada in us, Singapore and the rest of Asia-Pacific
// in sg. Countries not listed go to the configured default region.
func DefaultCountryRegions() map[string]Region {
	m := map[string]Region{}
	for _, c := range strings.Fields(`AT BE BG HR CY CZ DK EE FI FR DE GR HU IE IT LV LT LU MT NL PL PT RO SK SI ES SE IS LI NO`) {
		m[c] = "eu"
	}
	for _, c := range strings.Fields(`US CA`) {
		m[c] = "us"
	}
	for _, c := range strings.Fields(`SG AU NZ JP KR CN HK TW MO MY ID TH VN PH KH LA MM BN TL IN PK BD LK NP BT MV MN
		FJ PG SB VU NC PF WS TO KI TV NR PW FM MH`) {
		m[c] = "sg"
	}
	return m
}

// Residency maps a person's country to their home region.
type Residency struct {
	// Countries maps ISO country codes to regions; operators may change it.
	Countries map[string]Region
	// Default is the home region of countries not in the table.
	Default Region
}

// NormalizeCountry upper-cases an ISO 3166-1 alpha-2 code and checks it.
func NormalizeCountry(c string) (string, error) {
	c = strings.ToUpper(strings.TrimSpace(c))
	for _, k := range countries {
		if k == c {
			return c, nil
		}
	}
	return "", FieldError("country", "unknown country code; use ISO 3166-1 alpha-2, like DE or US")
}

// HomeRegion returns the home region for a (normalized) country code.
func (r Residency) HomeRegion(country string) Region {
	if reg, ok := r.Countries[country]; ok {
		return reg
	}
	return r.Default
}

// Validate checks that every mapped region is among the known ones.
func (r Residency) Validate(known []Region) error {
	ok := func(x Region) bool {
		for _, k := range known {
			if k == x {
				return true
			}
		}
		return false
	}
	if !ok(r.Default) {
		return fmt.Errorf("default region %q is not a configured region", r.Default)
	}
	for c, reg := range r.Countries {
		if !ok(reg) {
			return fmt.Errorf("country %s maps to unknown region %q", c, reg)
		}
	}
	return nil
}

// CountriesOf lists the countries whose people live in region reg: those
// the table maps to it, and for the default region every country the
// table does not list.
func (r Residency) CountriesOf(reg Region) []string {
	var out []string
	for _, c := range countries {
		if r.HomeRegion(c) == reg {
			out = append(out, c)
		}
	}
	return out
}
