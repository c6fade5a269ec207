//go:build !race

package ferrettest

const raceEnabled = false
