package store

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"hash/maphash"
	"sync"
	"time"

	"github.com/hashicorp/go-hclog"
	"go.mongodb.org/mongo-driver/v2/bson"
	"go.mongodb.org/mongo-driver/v2/mongo"
	"go.mongodb.org/mongo-driver/v2/mongo/options"
	"go.mongodb.org/mongo-driver/v2/mongo/readpref"

	"github.com/registrar-dcr/registrar/sdk"
)

// ErrTokenHashInUse is returned by Create and Update when another client
// already holds the registration token hash (the unique index on
// token_hash). Hashes of 256-bit random tokens never collide, so this points
// at a bug in the caller; it is not sdk.ErrAlreadyExists, which is about the
// client_id. Nothing is written then.
var ErrTokenHashInUse = errors.New("mongodb: registration token hash already in use")

// errNotConfigured is the cause of sdk.ErrUnavailable before Configure and
// after Close.
var errNotConfigured = errors.New("mongodb: store not configured")

// errDecode marks a stored document that does not decode: a corrupt record
// is a server error, not an outage and not a missing record.
var errDecode = errors.New("mongodb: decode stored client")

// Field names of a client document.
const (
	fieldID        = "_id"
	fieldTokenHash = "token_hash"
	fieldProfile   = "profile"
	fieldRevision  = "revision"
	fieldIssuedAt  = "issued_at"
	fieldUpdatedAt = "updated_at"
	fieldData      = "data"
)

// record is a client document. Data is the whole sdk.Client as JSON, which
// keeps every field (extension members, raw JWKS, pointer zero values)
// exactly; the other fields are copies for indexes, queries and operators.
// TokenHash is omitted when empty, so that revoked clients are left out of
// the unique index.
type record struct {
	ID        string `bson:"_id"`
	TokenHash string `bson:"token_hash,omitempty"`
	Profile   string `bson:"profile"`
	Revision  int64  `bson:"revision"`
	IssuedAt  int64  `bson:"issued_at"`
	UpdatedAt int64  `bson:"updated_at"`
	Data      string `bson:"data"`
}

func newRecord(c sdk.Client) (record, error) {
	data, err := json.Marshal(c)
	if err != nil {
		return record{}, fmt.Errorf("mongodb: encode client %q: %w", c.ID, err)
	}
	return record{
		ID:        c.ID,
		TokenHash: c.RegistrationTokenHash,
		Profile:   c.Profile,
		Revision:  c.Revision,
		IssuedAt:  c.IssuedAt,
		UpdatedAt: c.UpdatedAt,
		Data:      string(data),
	}, nil
}

func (r record) client() (sdk.Client, error) {
	var c sdk.Client
	if err := json.Unmarshal([]byte(r.Data), &c); err != nil {
		return sdk.Client{}, fmt.Errorf("%w %q: %w", errDecode, r.ID, err)
	}
	if c.ID != r.ID {
		return sdk.Client{}, fmt.Errorf("%w %q: the data holds client %q", errDecode, r.ID, c.ID)
	}
	c.Revision = r.Revision
	return c, nil
}

// Store is an sdk.Store on a MongoDB collection (or a server that speaks the
// MongoDB wire protocol, such as FerretDB). It is safe for concurrent use.
//
// A Store made by New serves nothing until Configure; Open returns a
// configured Store. Close releases the connections.
type Store struct {
	logger hclog.Logger

	mu sync.RWMutex // guards conn
	c  *conn        // nil before Configure and after Close
}

// conn is one configured connection: what Configure replaces as a whole.
type conn struct {
	cfg     Config
	client  *mongo.Client
	clients *mongo.Collection // with the configured read preference
	primary *mongo.Collection // the same, always reading from the primary

	tokens        *mongo.Collection // initial access tokens, configured read preference
	tokensPrimary *mongo.Collection // the same, always reading from the primary
	jti           *mongo.Collection // jti records, read and written on the primary only

	// ferret is set when the server is FerretDB, whose version 1 does not
	// apply an update's or a delete's filter atomically; see serialize.
	ferret bool
	locks  *stripes
}

var _ sdk.Store = (*Store)(nil)

// New returns an unconfigured Store that logs to logger (nil: no logs).
// Every call fails with sdk.ErrUnavailable until Configure succeeds. It is
// what the plugin's main serves.
func New(logger hclog.Logger) *Store {
	if logger == nil {
		logger = hclog.NewNullLogger()
	}
	return &Store{logger: logger}
}

// Open connects to the database of cfg, creates the indexes and returns a
// configured Store.
func Open(ctx context.Context, cfg Config, logger hclog.Logger) (*Store, error) {
	s := New(logger)
	if err := s.open(ctx, cfg); err != nil {
		return nil, err
	}
	return s, nil
}

// Configure parses a config block (see ParseConfig) and applies it as
// ConfigureSettings does.
func (s *Store) Configure(ctx context.Context, raw []byte) error {
	cfg, err := ParseConfig(raw)
	if err != nil {
		return err
	}
	return s.open(ctx, cfg)
}

// ConfigureSettings is the plugin's configure function, which
// plugin.WithConfig hands the decoded config block: it checks the settings
// (Settings.Config), connects, creates the indexes and replaces the
// previous connection, if any. A rejected attribute is a *sdk.ConfigError;
// a database that cannot be reached within the connect timeout is an error
// matching sdk.ErrUnavailable.
func (s *Store) ConfigureSettings(ctx context.Context, st Settings) error {
	cfg, err := st.Config()
	if err != nil {
		return err
	}
	return s.open(ctx, cfg)
}

func (s *Store) open(ctx context.Context, cfg Config) error {
	cfg = cfg.withDefaults()
	if cfg.URI == "" {
		return errors.New("mongodb: no URI")
	}
	opts, err := cfg.clientOptions()
	if err != nil {
		return fmt.Errorf("mongodb: %s", scrub(err.Error(), cfg.URI))
	}
	client, err := mongo.Connect(opts)
	if err != nil {
		return fmt.Errorf("mongodb: connect to %s: %s", cfg.RedactedURI(), scrub(err.Error(), cfg.URI))
	}
	connectTimeout := DefaultConnectTimeout
	if opts.ConnectTimeout != nil && *opts.ConnectTimeout > 0 {
		connectTimeout = *opts.ConnectTimeout
	}
	ctx, cancel := context.WithTimeout(ctx, max(connectTimeout, cfg.OperationTimeout))
	defer cancel()

	db := client.Database(cfg.Database)
	onPrimary := options.Collection().SetReadPreference(readpref.Primary())
	c := &conn{
		cfg:           cfg,
		client:        client,
		clients:       db.Collection(cfg.ClientsCollection),
		primary:       db.Collection(cfg.ClientsCollection, onPrimary),
		tokens:        db.Collection(cfg.TokensCollection),
		tokensPrimary: db.Collection(cfg.TokensCollection, onPrimary),
		jti:           db.Collection(cfg.JTICollection, onPrimary),
		locks:         newStripes(),
	}
	// fail reports a failed first contact without the URI's password,
	// keeping sdk.ErrUnavailable for an unreachable server.
	fail := func(what string, err error) error {
		_ = client.Disconnect(context.Background())
		msg := scrub(err.Error(), cfg.URI)
		if errors.Is(classify(ctx, what, err), sdk.ErrUnavailable) {
			return fmt.Errorf("%w: mongodb %s: %s: %s", sdk.ErrUnavailable, cfg.RedactedURI(), what, msg)
		}
		return fmt.Errorf("mongodb %s: %s: %s", cfg.RedactedURI(), what, msg)
	}
	if c.ferret, err = isFerretDB(ctx, client); err != nil {
		return fail("contact the server", err)
	}
	indexes, err := ensureIndexes(ctx, c)
	if err != nil {
		return fail(fmt.Sprintf("create the indexes of database %s", cfg.Database), err)
	}

	s.mu.Lock()
	old := s.c
	s.c = c
	s.mu.Unlock()
	if old != nil {
		disconnect(old.client)
	}
	s.logger.Info("mongodb store configured",
		"uri", cfg.RedactedURI(), "database", cfg.Database,
		"collections", []string{cfg.ClientsCollection, cfg.TokensCollection, cfg.JTICollection},
		"indexes", indexes, "ferretdb", c.ferret, "operation_timeout", cfg.OperationTimeout.String())
	if c.ferret {
		s.logger.Warn("the server is FerretDB: conditional updates and deletes are serialized per record inside this process, and jti records do not expire by TTL; run a single Registrar replica on it, or use MongoDB")
	}
	return nil
}

// Close disconnects. Every call fails with sdk.ErrUnavailable afterwards,
// until the next Configure. Close is idempotent.
func (s *Store) Close() error {
	s.mu.Lock()
	old := s.c
	s.c = nil
	s.mu.Unlock()
	if old == nil {
		return nil
	}
	ctx, cancel := context.WithTimeout(context.Background(), 5*time.Second)
	defer cancel()
	return old.client.Disconnect(ctx)
}

func disconnect(c *mongo.Client) {
	// Let the calls in flight on the old client finish.
	go func() {
		ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
		defer cancel()
		_ = c.Disconnect(ctx)
	}()
}

// FerretDB reports whether the configured server is FerretDB.
func (s *Store) FerretDB() bool {
	s.mu.RLock()
	defer s.mu.RUnlock()
	return s.c != nil && s.c.ferret
}

// begin checks the caller's context and the configuration, and returns the
// connection and a context bounded by the operation timeout.
func (s *Store) begin(ctx context.Context, op string) (*conn, context.Context, context.CancelFunc, error) {
	if err := ctx.Err(); err != nil {
		return nil, nil, nil, classify(ctx, op, err)
	}
	s.mu.RLock()
	c := s.c
	s.mu.RUnlock()
	if c == nil {
		return nil, nil, nil, fmt.Errorf("%w: mongodb: %s: %w", sdk.ErrUnavailable, op, errNotConfigured)
	}
	opCtx, cancel := context.WithTimeout(ctx, c.cfg.OperationTimeout)
	return c, opCtx, cancel, nil
}

// Create inserts c with Revision 1 and returns it so. It fails with
// sdk.ErrAlreadyExists when c.ID is taken and with ErrTokenHashInUse when
// another client holds c.RegistrationTokenHash; nothing is written then.
func (s *Store) Create(ctx context.Context, c sdk.Client) (sdk.Client, error) {
	const op = "create"
	cn, opCtx, cancel, err := s.begin(ctx, op)
	if err != nil {
		return sdk.Client{}, err
	}
	defer cancel()
	c = c.Clone()
	c.Revision = 1
	rec, err := newRecord(c)
	if err != nil {
		return sdk.Client{}, err
	}
	if _, err := cn.clients.InsertOne(opCtx, rec); err != nil {
		if mongo.IsDuplicateKeyError(err) {
			return sdk.Client{}, cn.duplicate(ctx, opCtx, op, c, err)
		}
		return sdk.Client{}, classify(ctx, op, err)
	}
	return c, nil
}

// duplicate explains a duplicate-key error of Create: the client_id is
// taken (sdk.ErrAlreadyExists) or the token hash is (ErrTokenHashInUse).
// MongoDB names the index in the error; FerretDB does not, and then the
// primary is asked.
func (cn *conn) duplicate(ctx, opCtx context.Context, op string, c sdk.Client, dupErr error) error {
	switch duplicateIndex(dupErr) {
	case fieldID:
		return fmt.Errorf("%w: client %q", sdk.ErrAlreadyExists, c.ID)
	case fieldTokenHash:
		return fmt.Errorf("%w (client %q)", ErrTokenHashInUse, c.ID)
	}
	_, exists, err := cn.revision(opCtx, c.ID)
	if err != nil {
		return classify(ctx, op, err)
	}
	if exists {
		return fmt.Errorf("%w: client %q", sdk.ErrAlreadyExists, c.ID)
	}
	if c.RegistrationTokenHash != "" {
		held, err := cn.tokenHashHeld(opCtx, c.RegistrationTokenHash, c.ID)
		if err != nil {
			return classify(ctx, op, err)
		}
		if held {
			return fmt.Errorf("%w (client %q)", ErrTokenHashInUse, c.ID)
		}
	}
	return fmt.Errorf("mongodb: %s: client %q: duplicate key on an unexpected index: %w", op, c.ID, dupErr)
}

// Get returns the client with the given client_id, or sdk.ErrNotFound.
func (s *Store) Get(ctx context.Context, clientID string) (sdk.Client, error) {
	const op = "get"
	cn, opCtx, cancel, err := s.begin(ctx, op)
	if err != nil {
		return sdk.Client{}, err
	}
	defer cancel()
	c, err := findOne(opCtx, cn.clients, bson.D{{Key: fieldID, Value: clientID}})
	switch {
	case errors.Is(err, mongo.ErrNoDocuments):
		return sdk.Client{}, fmt.Errorf("%w: client %q", sdk.ErrNotFound, clientID)
	case errors.Is(err, errDecode):
		return sdk.Client{}, err
	case err != nil:
		return sdk.Client{}, classify(ctx, op, err)
	}
	return c, nil
}

// GetByRegistrationToken returns the client whose current registration token
// hash is tokenHash, or sdk.ErrNotFound. The empty hash of a revoked client
// matches nothing.
func (s *Store) GetByRegistrationToken(ctx context.Context, tokenHash string) (sdk.Client, error) {
	const op = "get by registration token"
	cn, opCtx, cancel, err := s.begin(ctx, op)
	if err != nil {
		return sdk.Client{}, err
	}
	defer cancel()
	if tokenHash == "" {
		return sdk.Client{}, sdk.ErrNotFound
	}
	c, err := findOne(opCtx, cn.clients, bson.D{{Key: fieldTokenHash, Value: tokenHash}})
	switch {
	case errors.Is(err, mongo.ErrNoDocuments):
		return sdk.Client{}, sdk.ErrNotFound
	case errors.Is(err, errDecode):
		return sdk.Client{}, err
	case err != nil:
		return sdk.Client{}, classify(ctx, op, err)
	}
	return c, nil
}

func findOne(ctx context.Context, coll *mongo.Collection, filter bson.D) (sdk.Client, error) {
	var rec record
	if err := coll.FindOne(ctx, filter).Decode(&rec); err != nil {
		return sdk.Client{}, err
	}
	return rec.client()
}

// Update replaces the stored client with c when the stored revision equals
// c.Revision, and returns c with Revision+1. It fails with sdk.ErrNotFound
// when the client does not exist, sdk.ErrConflict when the revision is
// stale, and ErrTokenHashInUse when another client holds the new hash; on
// failure nothing changes.
func (s *Store) Update(ctx context.Context, c sdk.Client) (sdk.Client, error) {
	const op = "update"
	cn, opCtx, cancel, err := s.begin(ctx, op)
	if err != nil {
		return sdk.Client{}, err
	}
	defer cancel()
	c = c.Clone()
	expected := c.Revision
	c.Revision = expected + 1
	rec, err := newRecord(c)
	if err != nil {
		return sdk.Client{}, err
	}
	unlock, err := cn.serialize(opCtx, c.ID)
	if err != nil {
		return sdk.Client{}, classify(ctx, op, err)
	}
	defer unlock()
	res, err := cn.clients.ReplaceOne(opCtx, revisionFilter(c.ID, expected), rec)
	if err != nil {
		return sdk.Client{}, cn.updateError(ctx, opCtx, op, c, err)
	}
	if res.MatchedCount == 0 {
		return sdk.Client{}, cn.noMatch(ctx, opCtx, op, c.ID, expected)
	}
	return c, nil
}

// updateError explains a failed replacement. A duplicate key can only be on
// the token hash (the _id does not change). FerretDB 1.x reports a unique
// index violated by an update as an InternalError, not as a duplicate key;
// any server error of an update that sets a hash is therefore checked
// against the primary: if another client holds the hash, the answer is
// ErrTokenHashInUse.
func (cn *conn) updateError(ctx, opCtx context.Context, op string, c sdk.Client, err error) error {
	if mongo.IsDuplicateKeyError(err) {
		return fmt.Errorf("%w (client %q)", ErrTokenHashInUse, c.ID)
	}
	if c.RegistrationTokenHash != "" && isServerAnswer(err) {
		held, herr := cn.tokenHashHeld(opCtx, c.RegistrationTokenHash, c.ID)
		if herr == nil && held {
			return fmt.Errorf("%w (client %q)", ErrTokenHashInUse, c.ID)
		}
	}
	return classify(ctx, op, err)
}

// Delete removes the client when the stored revision equals revision. It
// fails with sdk.ErrNotFound when the client does not exist and
// sdk.ErrConflict when the revision is stale.
func (s *Store) Delete(ctx context.Context, clientID string, revision int64) error {
	const op = "delete"
	cn, opCtx, cancel, err := s.begin(ctx, op)
	if err != nil {
		return err
	}
	defer cancel()
	unlock, err := cn.serialize(opCtx, clientID)
	if err != nil {
		return classify(ctx, op, err)
	}
	defer unlock()
	res, err := cn.clients.DeleteOne(opCtx, revisionFilter(clientID, revision))
	if err != nil {
		return classify(ctx, op, err)
	}
	if res.DeletedCount == 0 {
		return cn.noMatch(ctx, opCtx, op, clientID, revision)
	}
	return nil
}

func revisionFilter(clientID string, revision int64) bson.D {
	return bson.D{{Key: fieldID, Value: clientID}, {Key: fieldRevision, Value: revision}}
}

// noMatch explains a conditional write that matched nothing: the client
// does not exist (sdk.ErrNotFound) or is at another revision
// (sdk.ErrConflict). It reads from the primary.
func (cn *conn) noMatch(ctx, opCtx context.Context, op, clientID string, revision int64) error {
	stored, exists, err := cn.revision(opCtx, clientID)
	switch {
	case err != nil:
		return classify(ctx, op, err)
	case !exists:
		return fmt.Errorf("%w: client %q", sdk.ErrNotFound, clientID)
	default:
		return fmt.Errorf("%w: client %q is at revision %d, not %d", sdk.ErrConflict, clientID, stored, revision)
	}
}

// revision reads the stored revision of clientID from the primary.
func (cn *conn) revision(ctx context.Context, clientID string) (rev int64, exists bool, err error) {
	var doc struct {
		Revision int64 `bson:"revision"`
	}
	err = cn.primary.FindOne(ctx, bson.D{{Key: fieldID, Value: clientID}},
		options.FindOne().SetProjection(bson.D{{Key: fieldRevision, Value: 1}})).Decode(&doc)
	if errors.Is(err, mongo.ErrNoDocuments) {
		return 0, false, nil
	}
	if err != nil {
		return 0, false, err
	}
	return doc.Revision, true, nil
}

// tokenHashHeld reports whether a client other than clientID holds hash,
// reading from the primary.
func (cn *conn) tokenHashHeld(ctx context.Context, hash, clientID string) (bool, error) {
	err := cn.primary.FindOne(ctx,
		bson.D{{Key: fieldTokenHash, Value: hash}, {Key: fieldID, Value: bson.D{{Key: "$ne", Value: clientID}}}},
		options.FindOne().SetProjection(bson.D{{Key: fieldID, Value: 1}})).Err()
	if errors.Is(err, mongo.ErrNoDocuments) {
		return false, nil
	}
	return err == nil, err
}

// serialize makes a conditional write atomic on FerretDB. FerretDB 1.x
// runs an update or a delete as a query followed by a write by _id, so two
// writers holding the same revision can both match it and both succeed (a
// lost update). Against FerretDB, writes to one record therefore take a
// lock of this process first; against MongoDB, whose filters apply
// atomically to a document, serialize does nothing. key is the client_id
// of a client, or a key made by lockKey for the other records.
func (cn *conn) serialize(ctx context.Context, key string) (unlock func(), err error) {
	if !cn.ferret {
		return func() {}, nil
	}
	return cn.locks.lock(ctx, key)
}

// lockKey is the serialize key of a record that is not a client: the
// collection and the _id, NUL-separated so that it never equals a client_id
// of the same bytes in another collection (sharing a stripe is harmless).
func lockKey(collection, id string) string { return collection + "\x00" + id }

// Health pings the server, within the operation timeout and at most 2s.
func (s *Store) Health(ctx context.Context) error {
	const op = "health"
	cn, opCtx, cancel, err := s.begin(ctx, op)
	if err != nil {
		return err
	}
	defer cancel()
	pingCtx, cancelPing := context.WithTimeout(opCtx, 2*time.Second)
	defer cancelPing()
	if err := cn.client.Ping(pingCtx, readpref.Primary()); err != nil {
		err = classify(ctx, op, err)
		if !errors.Is(err, sdk.ErrUnavailable) && ctx.Err() == nil {
			err = fmt.Errorf("%w: %w", sdk.ErrUnavailable, err)
		}
		return err
	}
	return nil
}

// stripes is a fixed set of mutexes that a client_id hashes to. Waiting for
// one honours the context.
type stripes struct {
	seed maphash.Seed
	ch   [64]chan struct{}
}

func newStripes() *stripes {
	s := &stripes{seed: maphash.MakeSeed()}
	for i := range s.ch {
		s.ch[i] = make(chan struct{}, 1)
	}
	return s
}

func (s *stripes) lock(ctx context.Context, key string) (func(), error) {
	ch := s.ch[maphash.String(s.seed, key)%uint64(len(s.ch))]
	select {
	case ch <- struct{}{}:
		return func() { <-ch }, nil
	case <-ctx.Done():
		return nil, ctx.Err()
	}
}
