// Package testlog holds a log sink for tests that read what a server or a
// plugin host logged from many goroutines at once. Test code only; the SDK
// module keeps its own copy, since it cannot import this module.
package testlog
