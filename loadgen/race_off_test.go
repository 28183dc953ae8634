//go:build !race

package loadgen

// raceDetector is off (see race_on_test.go).
const raceDetector = false
