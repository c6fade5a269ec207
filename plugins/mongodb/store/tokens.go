package store

import (
	"context"
	"errors"
	"fmt"
	"time"

	"go.mongodb.org/mongo-driver/v2/bson"
	"go.mongodb.org/mongo-driver/v2/mongo"
	"go.mongodb.org/mongo-driver/v2/mongo/options"

	"github.com/registrar-dcr/registrar/sdk"
)

// ErrTokenHashChanged is returned by UpdateToken when t.Hash differs from
// the stored token's: the hash is the token's identity, as its ID is, and
// never changes. It points at a bug in the caller; it is not
// sdk.ErrConflict, which a read-and-retry loop would retry. Nothing is
// written then.
var ErrTokenHashChanged = errors.New("mongodb: the hash of an initial access token cannot change")

// errEmptyIdentity refuses a token without ID or Hash.
var errEmptyIdentity = errors.New("mongodb: create token: an initial access token needs an ID and a Hash")

// errDecodeToken marks a stored token document that does not decode.
var errDecodeToken = errors.New("mongodb: decode stored initial access token")

// Field names of initial access token and jti documents (with fieldID,
// fieldProfile and fieldRevision).
const (
	fieldHash        = "hash"
	fieldDescription = "description"
	fieldCreatedAt   = "created_at"
	fieldExpiresAt   = "expires_at"
	fieldMaxUses     = "max_uses"
	fieldUses        = "uses"
	fieldRevoked     = "revoked"
	fieldExpireAt    = "expire_at"
)

// tokenRecord is an initial access token document: the record's fields,
// with the token ID as _id.
type tokenRecord struct {
	ID          string `bson:"_id"`
	Hash        string `bson:"hash"`
	Profile     string `bson:"profile"`
	Description string `bson:"description"`
	CreatedAt   int64  `bson:"created_at"`
	ExpiresAt   int64  `bson:"expires_at"`
	MaxUses     int64  `bson:"max_uses"`
	Uses        int64  `bson:"uses"`
	Revoked     bool   `bson:"revoked"`
	Revision    int64  `bson:"revision"`
}

func newTokenRecord(t sdk.InitialAccessToken) tokenRecord {
	return tokenRecord{
		ID: t.ID, Hash: t.Hash, Profile: t.Profile, Description: t.Description,
		CreatedAt: t.CreatedAt, ExpiresAt: t.ExpiresAt, MaxUses: t.MaxUses, Uses: t.Uses,
		Revoked: t.Revoked, Revision: t.Revision,
	}
}

func (r tokenRecord) token() sdk.InitialAccessToken {
	return sdk.InitialAccessToken{
		ID: r.ID, Hash: r.Hash, Profile: r.Profile, Description: r.Description,
		CreatedAt: r.CreatedAt, ExpiresAt: r.ExpiresAt, MaxUses: r.MaxUses, Uses: r.Uses,
		Revoked: r.Revoked, Revision: r.Revision,
	}
}

// jtiRecord is a jti document. ExpiresAt decides (MarkJTIUsed compares it
// with the caller's now); ExpireAt is the same instant as a date, for the
// TTL index that lets MongoDB delete expired records.
type jtiRecord struct {
	Key       string    `bson:"_id"`
	ExpiresAt int64     `bson:"expires_at"`
	ExpireAt  time.Time `bson:"expire_at"`
}

// CountClients returns the number of clients whose profile is profile (the
// profile index); 0 for a profile without clients. It reads with the
// configured read preference.
func (s *Store) CountClients(ctx context.Context, profile string) (int64, error) {
	const op = "count clients"
	cn, opCtx, cancel, err := s.begin(ctx, op)
	if err != nil {
		return 0, err
	}
	defer cancel()
	n, err := cn.clients.CountDocuments(opCtx, bson.D{{Key: fieldProfile, Value: profile}})
	if err != nil {
		return 0, classify(ctx, op, err)
	}
	return n, nil
}

// CreateToken inserts t with Revision 1 and returns it so. It fails with
// sdk.ErrAlreadyExists when t.ID (the _id) or t.Hash (the hash_unique
// index) is taken, and refuses a token whose ID or Hash is empty; nothing
// is written then. Both duplicates get the same answer, so a duplicate-key
// error that does not name its index (FerretDB) needs no second look.
func (s *Store) CreateToken(ctx context.Context, t sdk.InitialAccessToken) (sdk.InitialAccessToken, error) {
	const op = "create token"
	cn, opCtx, cancel, err := s.begin(ctx, op)
	if err != nil {
		return sdk.InitialAccessToken{}, err
	}
	defer cancel()
	if t.ID == "" || t.Hash == "" {
		return sdk.InitialAccessToken{}, errEmptyIdentity
	}
	t.Revision = 1
	if _, err := cn.tokens.InsertOne(opCtx, newTokenRecord(t)); err != nil {
		if mongo.IsDuplicateKeyError(err) {
			return sdk.InitialAccessToken{}, fmt.Errorf("%w: initial access token %q (ID or hash taken)", sdk.ErrAlreadyExists, t.ID)
		}
		return sdk.InitialAccessToken{}, classify(ctx, op, err)
	}
	return t, nil
}

// GetToken returns the initial access token whose hash is hash, or
// sdk.ErrNotFound. The empty hash matches nothing.
func (s *Store) GetToken(ctx context.Context, hash string) (sdk.InitialAccessToken, error) {
	const op = "get token"
	cn, opCtx, cancel, err := s.begin(ctx, op)
	if err != nil {
		return sdk.InitialAccessToken{}, err
	}
	defer cancel()
	if hash == "" {
		return sdk.InitialAccessToken{}, fmt.Errorf("%w: initial access token", sdk.ErrNotFound)
	}
	raw, err := cn.tokens.FindOne(opCtx, bson.D{{Key: fieldHash, Value: hash}}).Raw()
	switch {
	case errors.Is(err, mongo.ErrNoDocuments):
		return sdk.InitialAccessToken{}, fmt.Errorf("%w: initial access token", sdk.ErrNotFound)
	case err != nil:
		return sdk.InitialAccessToken{}, classify(ctx, op, err)
	}
	return decodeToken(raw)
}

// decodeToken decodes a token document. Failing to is errDecodeToken: a
// corrupt record is a server error, not an outage and not a missing record.
func decodeToken(raw bson.Raw) (sdk.InitialAccessToken, error) {
	var rec tokenRecord
	if err := bson.Unmarshal(raw, &rec); err != nil {
		return sdk.InitialAccessToken{}, fmt.Errorf("%w: %w", errDecodeToken, err)
	}
	return rec.token(), nil
}

// ListTokens returns every initial access token, sorted by created_at then
// _id (the created_at_id index), with the configured read preference.
func (s *Store) ListTokens(ctx context.Context) ([]sdk.InitialAccessToken, error) {
	const op = "list tokens"
	cn, opCtx, cancel, err := s.begin(ctx, op)
	if err != nil {
		return nil, err
	}
	defer cancel()
	cur, err := cn.tokens.Find(opCtx, bson.D{},
		options.Find().SetSort(bson.D{{Key: fieldCreatedAt, Value: 1}, {Key: fieldID, Value: 1}}))
	if err != nil {
		return nil, classify(ctx, op, err)
	}
	defer func() { _ = cur.Close(context.WithoutCancel(opCtx)) }()
	var list []sdk.InitialAccessToken
	for cur.Next(opCtx) {
		t, err := decodeToken(cur.Current)
		if err != nil {
			return nil, err
		}
		list = append(list, t)
	}
	if err := cur.Err(); err != nil {
		return nil, classify(ctx, op, err)
	}
	return list, nil
}

// UpdateToken replaces the document matching {_id: t.ID, revision:
// t.Revision, hash: t.Hash} with t at Revision+1, and returns it so. When
// nothing matches, a read from the primary answers sdk.ErrNotFound (no such
// token), sdk.ErrConflict (stale revision, reported first) or
// ErrTokenHashChanged (t.Hash is not the stored hash); nothing changes
// then. Since the hash is in the filter, a replacement never changes it and
// can never violate the hash_unique index (which FerretDB would not report
// as a duplicate key).
func (s *Store) UpdateToken(ctx context.Context, t sdk.InitialAccessToken) (sdk.InitialAccessToken, error) {
	const op = "update token"
	cn, opCtx, cancel, err := s.begin(ctx, op)
	if err != nil {
		return sdk.InitialAccessToken{}, err
	}
	defer cancel()
	expected := t.Revision
	t.Revision = expected + 1
	unlock, err := cn.serialize(opCtx, lockKey(cn.cfg.TokensCollection, t.ID))
	if err != nil {
		return sdk.InitialAccessToken{}, classify(ctx, op, err)
	}
	defer unlock()
	filter := bson.D{{Key: fieldID, Value: t.ID}, {Key: fieldRevision, Value: expected}, {Key: fieldHash, Value: t.Hash}}
	res, err := cn.tokens.ReplaceOne(opCtx, filter, newTokenRecord(t))
	if err != nil {
		return sdk.InitialAccessToken{}, classify(ctx, op, err)
	}
	if res.MatchedCount > 0 {
		return t, nil
	}
	var stored struct {
		Revision int64  `bson:"revision"`
		Hash     string `bson:"hash"`
	}
	err = cn.tokensPrimary.FindOne(opCtx, bson.D{{Key: fieldID, Value: t.ID}},
		options.FindOne().SetProjection(bson.D{{Key: fieldRevision, Value: 1}, {Key: fieldHash, Value: 1}})).Decode(&stored)
	switch {
	case errors.Is(err, mongo.ErrNoDocuments):
		return sdk.InitialAccessToken{}, fmt.Errorf("%w: initial access token %q", sdk.ErrNotFound, t.ID)
	case err != nil:
		return sdk.InitialAccessToken{}, classify(ctx, op, err)
	case stored.Revision != expected:
		return sdk.InitialAccessToken{}, fmt.Errorf("%w: initial access token %q is at revision %d, not %d",
			sdk.ErrConflict, t.ID, stored.Revision, expected)
	case stored.Hash != t.Hash:
		return sdk.InitialAccessToken{}, fmt.Errorf("%w (token %q)", ErrTokenHashChanged, t.ID)
	default:
		// Matched nothing, yet the primary holds the expected revision
		// and hash: the filter raced with another writer (possible only
		// without serialization). Report it as the conflict it is.
		return sdk.InitialAccessToken{}, fmt.Errorf("%w: initial access token %q changed during the update", sdk.ErrConflict, t.ID)
	}
}

// MarkJTIUsed records key until expiresAt. It fails with sdk.ErrAlreadyExists
// when key is recorded with an expires_at later than now (a replay); an
// expired record is replaced.
//
// Every record is written by an insert, so that only the unique _id index
// decides between concurrent uses, and a violation is always reported as a
// duplicate key (FerretDB 1.x does not report an update's violation so; no
// transactions are needed either):
//
//  1. insert {_id: key}: done, a first use;
//  2. on a duplicate key, delete {_id: key, expires_at <= now}, the record
//     only if it has expired;
//  3. insert again: done, an expired record replaced; a duplicate key means
//     the record is live, or another caller replaced it first: a replay.
//
// Of concurrent callers exactly one inserts. On MongoDB the delete's filter
// applies atomically, so a live record is never deleted; FerretDB 1.x runs
// a delete as a query followed by a delete by _id, which could delete a
// record another caller has just inserted, so there the calls for one key
// are serialized inside this process. Records also carry expire_at, a
// date, for a TTL index that lets MongoDB delete them once expired.
func (s *Store) MarkJTIUsed(ctx context.Context, key string, expiresAt, now int64) error {
	const op = "mark jti used"
	cn, opCtx, cancel, err := s.begin(ctx, op)
	if err != nil {
		return err
	}
	defer cancel()
	unlock, err := cn.serialize(opCtx, lockKey(cn.cfg.JTICollection, key))
	if err != nil {
		return classify(ctx, op, err)
	}
	defer unlock()
	rec := jtiRecord{Key: key, ExpiresAt: expiresAt, ExpireAt: time.Unix(expiresAt, 0).UTC()}

	_, err = cn.jti.InsertOne(opCtx, rec)
	if err == nil {
		return nil
	}
	if !mongo.IsDuplicateKeyError(err) {
		return classify(ctx, op, err)
	}
	expired := bson.D{{Key: fieldID, Value: key}, {Key: fieldExpiresAt, Value: bson.D{{Key: "$lte", Value: now}}}}
	if _, err := cn.jti.DeleteOne(opCtx, expired); err != nil {
		return classify(ctx, op, err)
	}
	_, err = cn.jti.InsertOne(opCtx, rec)
	switch {
	case err == nil:
		return nil
	case mongo.IsDuplicateKeyError(err):
		return fmt.Errorf("%w: jti already used", sdk.ErrAlreadyExists)
	default:
		return classify(ctx, op, err)
	}
}
