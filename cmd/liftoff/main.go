// Command liftoff turns a campaign's expected traffic into a load test and
// gives a launch verdict: GO, NO-GO or INCONCLUSIVE.
package main

import "os"

func main() {
	e := osEnv()
	os.Exit(execute(e.Interrupts.mainContext(), os.Args[1:], e))
}
