package httpapi

import (
	"context"
	"errors"
	"fmt"
	"io"
	"mime"
	"net/http"
	"strings"
	"time"

	"github.com/gin-gonic/gin"
	"github.com/hashicorp/go-hclog"

	"github.com/registrar-dcr/registrar/sdk"
	"github.com/registrar-dcr/registrar/server/pipeline"
)

// Checker reports whether a dependency (the store, a plugin) can serve.
type Checker func(ctx context.Context) error

// Options configure the handler.
type Options struct {
	// MaxBodyBytes bounds request bodies; larger ones get 413.
	MaxBodyBytes int64
	// Ready are the checks of /readyz, by name. They run concurrently, each
	// under its own ReadyTimeout.
	Ready map[string]Checker
	// ReadyTimeout bounds each readiness check; 0 means 2s.
	ReadyTimeout time.Duration
	// ReadyFresh is how long the result of a readiness check answers
	// /readyz before a poll runs the check again; 0 means 1s, negative
	// means every poll runs it. /readyz is unauthenticated and not rate
	// limited, and a check may write (the SQLite store's heartbeat), so
	// polling it in a loop runs each check at most once per ReadyFresh.
	ReadyFresh time.Duration
	// Logger receives access and error logs. Secrets never reach it.
	Logger hclog.Logger
	// CORSOrigins are the browser origins allowed by at least one
	// profile (lowercase scheme://host[:port]); empty allows none.
	CORSOrigins []string
	// RateLimit limits registrations per client IP; nil means no limit.
	RateLimit *RateLimit
	// TrustedProxies are the addresses and CIDR prefixes of proxies whose
	// X-Forwarded-For and X-Real-IP headers name the client; empty trusts
	// none, and the peer address is the client's.
	TrustedProxies []string
}

// SetReleaseMode puts gin in release mode for the whole process: no
// listing of the routes and no debug warnings on standard output. gin's
// mode is a process-wide setting, so only a program's main calls this
// (registrar serve does); NewHandler leaves it as it is, and the GIN_MODE
// environment variable sets it when this is not called.
func SetReleaseMode() { gin.SetMode(gin.ReleaseMode) }

// NewHandler returns the HTTP handler of Registrar. It changes no
// process-wide setting (see SetReleaseMode).
func NewHandler(p *pipeline.Pipeline, opts Options) http.Handler {
	if opts.Logger == nil {
		opts.Logger = hclog.NewNullLogger()
	}
	if opts.MaxBodyBytes <= 0 {
		opts.MaxBodyBytes = 64 << 10
	}
	h := &handler{p: p, opts: opts, log: opts.Logger,
		ready: newReadiness(opts.Ready, opts.ReadyTimeout, opts.ReadyFresh, opts.Logger)}
	if opts.RateLimit != nil {
		h.limiter = newLimiter(*opts.RateLimit)
	}

	r := gin.New()
	// gin trusts every proxy by default; trust only the configured ones
	// (validated by the configuration), so X-Forwarded-For cannot be
	// forged to escape the rate limit.
	if err := r.SetTrustedProxies(opts.TrustedProxies); err != nil {
		opts.Logger.Error("invalid trusted proxies; trusting none", "error", err)
		_ = r.SetTrustedProxies(nil)
	}
	r.HandleMethodNotAllowed = true
	r.RedirectTrailingSlash = false
	r.RedirectFixedPath = false
	// Handlers pass c.Request.Context() on, never the *gin.Context: gin
	// reuses its contexts, and database/sql may still watch a context
	// after the handler returned.
	r.Use(h.recover, h.headers, h.accessLog)
	r.NoRoute(func(c *gin.Context) {
		h.writeError(c, &sdk.Error{Code: sdk.CodeInvalidRequest, Status: http.StatusNotFound, Description: "no such endpoint"})
	})
	r.NoMethod(func(c *gin.Context) {
		h.writeError(c, &sdk.Error{Code: sdk.CodeMethodNotAllowed, Status: http.StatusMethodNotAllowed,
			Description: fmt.Sprintf("method %s is not allowed on this endpoint", c.Request.Method)})
	})

	dcr := r.Group("/connect/dcr", h.cors)
	dcr.POST("", h.rateLimit, h.register)
	dcr.GET("", h.byQuery(h.read))
	dcr.PUT("", h.byQuery(h.update))
	dcr.DELETE("", h.byQuery(h.delete))
	dcr.OPTIONS("", h.preflight)
	dcr.GET("/:client_id", h.byPath(h.read))
	dcr.PUT("/:client_id", h.byPath(h.update))
	dcr.DELETE("/:client_id", h.byPath(h.delete))
	dcr.OPTIONS("/:client_id", h.preflight)
	r.GET("/healthz", h.healthz)
	r.GET("/readyz", h.readyz)
	return r
}

type handler struct {
	p       *pipeline.Pipeline
	opts    Options
	log     hclog.Logger
	limiter *limiter
	ready   *readiness
}

func (h *handler) register(c *gin.Context) {
	body, ok := h.body(c)
	if !ok {
		return
	}
	resp, err := h.p.Register(c.Request.Context(), pipeline.Request{
		Authorization: c.GetHeader("Authorization"),
		Body:          body,
		RemoteAddr:    c.ClientIP(),
		Origin:        c.GetHeader("Origin"),
	})
	h.write(c, resp, err)
}

func (h *handler) read(c *gin.Context, clientID string) {
	resp, err := h.p.Read(c.Request.Context(), h.request(c, clientID, nil))
	h.write(c, resp, err)
}

func (h *handler) update(c *gin.Context, clientID string) {
	body, ok := h.body(c)
	if !ok {
		return
	}
	resp, err := h.p.Update(c.Request.Context(), h.request(c, clientID, body))
	h.write(c, resp, err)
}

func (h *handler) delete(c *gin.Context, clientID string) {
	resp, err := h.p.Delete(c.Request.Context(), h.request(c, clientID, nil))
	h.write(c, resp, err)
}

func (h *handler) request(c *gin.Context, clientID string, body []byte) pipeline.Request {
	return pipeline.Request{
		Authorization: c.GetHeader("Authorization"),
		ClientID:      clientID,
		Body:          body,
		RemoteAddr:    c.ClientIP(),
		Origin:        c.GetHeader("Origin"),
	}
}

// byPath serves /connect/dcr/{client_id}.
func (h *handler) byPath(next func(*gin.Context, string)) gin.HandlerFunc {
	return func(c *gin.Context) { next(c, c.Param("client_id")) }
}

// byQuery serves /connect/dcr?client_id=ID, the form of Duende's docs.
func (h *handler) byQuery(next func(*gin.Context, string)) gin.HandlerFunc {
	return func(c *gin.Context) {
		ids := c.QueryArray("client_id")
		if len(ids) != 1 || ids[0] == "" {
			h.writeError(c, sdk.ErrInvalidRequest().WithDescription("client_id: exactly one query parameter is required"))
			return
		}
		next(c, ids[0])
	}
}

// body reads a JSON request body within the size limit. On failure it has
// answered already.
func (h *handler) body(c *gin.Context) ([]byte, bool) {
	mt, _, err := mime.ParseMediaType(c.GetHeader("Content-Type"))
	if err != nil || !(mt == "application/json" || strings.HasSuffix(mt, "+json")) {
		h.writeError(c, &sdk.Error{Code: sdk.CodeInvalidRequest, Status: http.StatusUnsupportedMediaType,
			Description: "Content-Type must be application/json"})
		return nil, false
	}
	raw := c.Request.Body
	if c.Request.ContentLength > h.opts.MaxBodyBytes {
		discardBody(c.Request, raw, h.opts.MaxBodyBytes)
		h.writeError(c, tooLarge(h.opts.MaxBodyBytes))
		return nil, false
	}
	body, err := io.ReadAll(http.MaxBytesReader(c.Writer, raw, h.opts.MaxBodyBytes))
	if err != nil {
		var mbe *http.MaxBytesError
		if errors.As(err, &mbe) {
			discardBody(c.Request, raw, h.opts.MaxBodyBytes)
			h.writeError(c, tooLarge(h.opts.MaxBodyBytes))
		} else {
			h.writeError(c, sdk.ErrInvalidRequest().WithDescription("cannot read the request body"))
		}
		return nil, false
	}
	return body, true
}

// maxDiscardBytes bounds how much of an oversized request body is read and
// thrown away before the 413 is sent.
const maxDiscardBytes = 4 << 20

// discardBody reads and throws away what remains of an oversized request
// body, up to maxDiscardBytes, so that the connection is closed (or reused)
// with nothing unread. A connection closed with unread bytes in its receive
// buffer is reset by the kernel, and a client that is still writing its
// body then gets ECONNRESET or EPIPE instead of its 413 and JSON error.
// The server's read timeout bounds the time it takes. It reads nothing
// when the declared length is beyond the bound (the connection is closed
// after the answer; such a client cannot be helped at a reasonable cost),
// or when the client waits for "100 Continue" and has sent no body.
func discardBody(r *http.Request, body io.Reader, limit int64) {
	if r.ContentLength > limit+maxDiscardBytes {
		return
	}
	if r.ContentLength > limit && strings.EqualFold(r.Header.Get("Expect"), "100-continue") {
		return
	}
	_, _ = io.CopyN(io.Discard, body, maxDiscardBytes)
}

func tooLarge(limit int64) *sdk.Error {
	return &sdk.Error{Code: sdk.CodeInvalidRequest, Status: http.StatusRequestEntityTooLarge,
		Description: fmt.Sprintf("request body larger than %d bytes", limit)}
}

// write sends a pipeline answer.
func (h *handler) write(c *gin.Context, resp sdk.Response, err error) {
	if err != nil {
		h.writeError(c, err)
		return
	}
	if resp.Status == http.StatusNoContent || len(resp.Body) == 0 {
		c.Status(resp.Status)
		return
	}
	c.Data(resp.Status, "application/json", resp.Body)
}

func (h *handler) healthz(c *gin.Context) {
	c.Data(http.StatusOK, "application/json", []byte(`{"status":"ok"}`))
}
