package httpapi

import (
	"testing"

	"github.com/gin-gonic/gin"
)

// TestNewHandlerNoProcessWideEffects: building a handler leaves gin's
// process-wide mode as it was; only SetReleaseMode, called by a main,
// changes it.
func TestNewHandlerNoProcessWideEffects(t *testing.T) {
	orig := gin.Mode()
	t.Cleanup(func() { gin.SetMode(orig) })
	for _, mode := range []string{gin.DebugMode, gin.TestMode, gin.ReleaseMode} {
		t.Run(mode, func(t *testing.T) {
			gin.SetMode(mode)
			_ = NewHandler(nil, Options{})
			if got := gin.Mode(); got != mode {
				t.Errorf("gin mode after NewHandler = %q, want %q", got, mode)
			}
		})
	}
	gin.SetMode(gin.TestMode)
	SetReleaseMode()
	if got := gin.Mode(); got != gin.ReleaseMode {
		t.Errorf("gin mode after SetReleaseMode = %q, want %q", got, gin.ReleaseMode)
	}
}
