// Package testimpl holds the implementations that the test plugin
// (sdk/plugin/internal/testplugin) serves, so that the tests of sdk/plugin
// can also run them in-process and compare: Steps (sdk.DefaultSteps with one
// redefined step), a Processor, an in-memory Store, a ResponseGenerator, and
// a Configure function. Behaviour that only a test needs (crash, hang,
// errors on demand, environment reports) is switched by configuration or by
// request items, never by default.
package testimpl
