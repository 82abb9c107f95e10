//go:build race

package app_test

// raceDetector reports whether the tests run under the race detector,
// where the repeated concurrency tests run fewer rounds (the race pass
// looks for unsynchronised access, which a few rounds show; the ordinary
// passes count outcomes over every round).
const raceDetector = true
