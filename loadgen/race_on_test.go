//go:build race

package loadgen

// raceDetector is on: sync.Pool drops what it holds at random, so
// allocation counts and heap sizes are not what a release build sees.
const raceDetector = true
