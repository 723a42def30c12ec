//go:build !slim

package main

import (
	"context"
	"crypto/hmac"
	"crypto/sha256"
	"crypto/subtle"
	"encoding/hex"
	"errors"
	"flag"
	"io"
	"log/slog"
	"net/http"
	"strings"
	"sync"
	"time"

	"github.com/smokex/smokex"
	"github.com/smokex/smokex/admin"
	"github.com/smokex/smokex/gitsync"
	"github.com/smokex/smokex/plan"
)

// The environment variables of --sync.
const (
	gitTokenEnv      = "SMOKEX_GIT_TOKEN"
	gitSSHKeyEnv     = "SMOKEX_GIT_SSH_KEY"
	syncWebhookEnv   = "SMOKEX_SYNC_WEBHOOK_SECRET"
	defaultSyncEvery = time.Minute
	// maxWebhookBody bounds the body of a POST /api/sync: a forge's push
	// event, which is only read to check its signature.
	maxWebhookBody = 4 << 20
)

// syncFlags are serve's flags of a git sync.
type syncFlags struct {
	source     string
	interval   time.Duration
	allowEmpty bool
}

func (f *syncFlags) define(fs *flag.FlagSet) {
	fs.StringVar(&f.source, "sync", "", "keep the plans equal to the YAML files of a git repository: `SOURCE` is git+https://host/repo.git#ref:path (also git+ssh:// and git+file://; ref defaults to the default branch, path to .smokex)")
	fs.DurationVar(&f.interval, "sync-interval", defaultSyncEvery, "with --sync: fetch again every `duration` (and at once on POST /api/sync)")
	fs.BoolVar(&f.allowEmpty, "sync-allow-empty", false, "with --sync: let a revision with no plan file remove every plan (refused otherwise)")
}

// check reports a flag value that cannot work; paths are serve's PATHs.
func (f *syncFlags) check(paths []string) error {
	if f.source == "" {
		return nil
	}
	if len(paths) > 0 {
		return errors.New("--sync and PATHs cannot be used together: the plans come from one place")
	}
	if f.interval <= 0 {
		return errors.New("--sync-interval must be positive, not " + f.interval.String())
	}
	_, err := gitsync.Parse(f.source)
	return err
}

// syncer runs serve's git sync: at start, every interval, and when POST
// /api/sync (a forge's webhook, or the dashboard's "Sync now") asks. What
// the syncs did is the engine's SyncState, kept in the store, which the
// admin handler answers at GET /api/sync, the same on every replica.
type syncer struct {
	eng    *smokex.Engine
	src    *gitsync.Source
	opts   *smokex.SyncOpts
	every  time.Duration
	log    *slog.Logger
	secret string
	// kick asks the loop for a sync now.
	kick chan struct{}

	mu sync.Mutex
	// done is closed, and replaced, whenever a sync ends.
	done chan struct{}
	// started and ended count the syncs begun and ended.
	started, ended uint64
	// logged is the last error logged, logged again only when it changes.
	logged string
}

// newSyncer builds the syncer of --sync, with the credentials of the
// environment.
func newSyncer(eng *smokex.Engine, f *syncFlags, lookupEnv func(string) (string, bool), log *slog.Logger) (*syncer, error) {
	src, err := gitsync.New(f.source, gitConfig(lookupEnv))
	if err != nil {
		return nil, err
	}
	secret, _ := lookupEnv(syncWebhookEnv)
	return &syncer{
		eng: eng, src: src, opts: &smokex.SyncOpts{AllowEmpty: f.allowEmpty}, every: f.interval, log: log, secret: secret,
		kick: make(chan struct{}, 1), done: make(chan struct{}),
	}, nil
}

// run syncs every interval and on each kick, until ctx ends.
func (s *syncer) run(ctx context.Context) {
	t := time.NewTicker(s.every)
	defer t.Stop()
	for {
		select {
		case <-ctx.Done():
			return
		case <-t.C:
		case <-s.kick:
		}
		s.syncOnce(ctx)
	}
}

// syncOnce syncs and logs the outcome: a change, and an error when it is
// not the one logged last.
func (s *syncer) syncOnce(ctx context.Context) {
	s.mu.Lock()
	s.started++
	s.mu.Unlock()
	res, err := s.eng.Sync(ctx, s.src, s.opts)
	if ctx.Err() != nil {
		return
	}
	s.mu.Lock()
	defer s.mu.Unlock()
	var list plan.ErrorList
	if err != nil && !errors.As(err, &list) {
		if s.logged != err.Error() {
			s.log.Error("smokex serve: syncing plans; nothing was changed", "source", s.src.String(), "error", err)
		}
	} else {
		if len(res.Added)+len(res.Updated)+len(res.Removed) > 0 {
			s.log.Info("smokex serve: plans synced", "source", s.src.String(), "commit", res.Revision.Commit, "added", nonNil(res.Added), "updated", nonNil(res.Updated), "removed", nonNil(res.Removed))
		}
		if err != nil && s.logged != err.Error() {
			s.log.Error("smokex serve: files that do not load keep their plans' last good version", "error", err)
		}
	}
	s.logged = ""
	if err != nil {
		s.logged = err.Error()
	}
	s.ended = s.started
	close(s.done)
	s.done = make(chan struct{})
}

func nonNil(s []string) []string {
	if s == nil {
		return []string{}
	}
	return s
}

// syncWait asks for a sync and waits until one that started after the
// call has ended (a sync in progress may have fetched before a push), or
// ctx ends: admin.Config.Sync, behind POST /api/sync and "Sync now".
func (s *syncer) syncWait(ctx context.Context) error {
	s.mu.Lock()
	target := s.started + 1
	s.mu.Unlock()
	select {
	case s.kick <- struct{}{}:
	default:
		// A sync is already asked for, and starts after this call.
	}
	for {
		s.mu.Lock()
		ended, done := s.ended, s.done
		s.mu.Unlock()
		if ended >= target {
			return nil
		}
		select {
		case <-done:
		case <-ctx.Done():
			return ctx.Err()
		}
	}
}

// webhook answers a forge's push webhook when a webhook secret is set: a
// POST /api/sync that carries GitHub's X-Hub-Signature-256 (an HMAC of the
// body) or GitLab's X-Gitlab-Token must prove the secret, and then goes to
// mux, the admin API, as the host's admin, past serve's auth. Every other
// request goes through authed, the API behind serve's auth, where POST
// /api/sync is the dashboard's "Sync now".
func (s *syncer) webhook(authed, mux http.Handler) http.Handler {
	if s == nil || s.secret == "" {
		return authed
	}
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		forge := r.Header.Get("X-Hub-Signature-256") != "" || r.Header.Get("X-Gitlab-Token") != ""
		if r.URL.Path != "/api/sync" || r.Method != http.MethodPost || !forge {
			authed.ServeHTTP(w, r)
			return
		}
		body, err := io.ReadAll(http.MaxBytesReader(w, r.Body, maxWebhookBody))
		if err != nil {
			http.Error(w, "the body is too large", http.StatusRequestEntityTooLarge)
			return
		}
		if !s.verified(r.Header, body) {
			http.Error(w, "POST /api/sync needs X-Hub-Signature-256 (GitHub) or X-Gitlab-Token (GitLab) made with "+syncWebhookEnv, http.StatusUnauthorized)
			return
		}
		mux.ServeHTTP(w, r.WithContext(admin.WithAccess(r.Context(), admin.Access{Role: admin.RoleAdmin})))
	})
}

// verified checks a forge's proof of the webhook secret.
func (s *syncer) verified(h http.Header, body []byte) bool {
	if sig, ok := strings.CutPrefix(h.Get("X-Hub-Signature-256"), "sha256="); ok {
		got, err := hex.DecodeString(sig)
		if err != nil {
			return false
		}
		mac := hmac.New(sha256.New, []byte(s.secret))
		mac.Write(body)
		return hmac.Equal(got, mac.Sum(nil))
	}
	if tok := h.Get("X-Gitlab-Token"); tok != "" {
		// Compared as SHA-256 sums, so that the time taken tells
		// nothing of the secret's length either.
		got, want := sha256.Sum256([]byte(tok)), sha256.Sum256([]byte(s.secret))
		return subtle.ConstantTimeCompare(got[:], want[:]) == 1
	}
	return false
}
