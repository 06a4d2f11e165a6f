// Command tlogcheck is certledger's independent checker: it verifies signed notes, checkpoints,
// cosignatures and RFC 6962 proofs with golang.org/x/mod/sumdb/note and sumdb/tlog (and, for
// cosignature/v1, which that note package predates, with crypto/ed25519 over the spec's message).
//
// It reads {"checks": [...]} as JSON on stdin and writes {"results": [...]} in the same order;
// each result has "ok" and, when not ok, "error". Built in GOPATH mode by the tests.
package main

import (
	"crypto/ed25519"
	"crypto/sha256"
	"encoding/base64"
	"encoding/binary"
	"encoding/json"
	"errors"
	"fmt"
	"os"
	"strconv"
	"strings"

	"golang.org/x/mod/sumdb/note"
	"golang.org/x/mod/sumdb/tlog"
)

type check struct {
	Kind        string   `json:"kind"`
	Note        string   `json:"note"`
	Vkey        string   `json:"vkey"`
	WitnessVkey string   `json:"witness_vkey"`
	Skey        string   `json:"skey"`
	Text        string   `json:"text"`
	Name        string   `json:"name"`
	PublicKey   string   `json:"public_key"`
	Index       int64    `json:"index"`
	Size        int64    `json:"size"`
	Root        string   `json:"root"`
	OldSize     int64    `json:"old_size"`
	OldRoot     string   `json:"old_root"`
	Record      string   `json:"record"`
	Records     []string `json:"records"`
	Proof       []string `json:"proof"`
}

type result map[string]any

func main() {
	var in struct {
		Checks []check `json:"checks"`
	}
	if err := json.NewDecoder(os.Stdin).Decode(&in); err != nil {
		fmt.Fprintln(os.Stderr, "tlogcheck: cannot read the checks:", err)
		os.Exit(2)
	}
	out := make([]result, len(in.Checks))
	for i, c := range in.Checks {
		r, err := run(c)
		if err != nil {
			r = result{"ok": false, "error": err.Error()}
		} else {
			r["ok"] = true
		}
		out[i] = r
	}
	if err := json.NewEncoder(os.Stdout).Encode(map[string]any{"results": out}); err != nil {
		os.Exit(2)
	}
}

func run(c check) (result, error) {
	switch c.Kind {
	case "checkpoint":
		return checkCheckpoint(c)
	case "cosignature":
		return checkCosignature(c)
	case "inclusion":
		return checkInclusion(c)
	case "consistency":
		return checkConsistency(c)
	case "vkey":
		return makeVkey(c)
	case "sign":
		return sign(c)
	case "tree":
		return prove(c)
	}
	return nil, fmt.Errorf("unknown check kind %q", c.Kind)
}

// openCheckpoint verifies the note with the log's verifier key and parses the checkpoint body.
func openCheckpoint(msg, vkey string) (*note.Note, string, int64, tlog.Hash, error) {
	v, err := note.NewVerifier(vkey)
	if err != nil {
		return nil, "", 0, tlog.Hash{}, fmt.Errorf("verifier key: %w", err)
	}
	n, err := note.Open([]byte(msg), note.VerifierList(v))
	if err != nil {
		return nil, "", 0, tlog.Hash{}, err
	}
	lines := strings.Split(strings.TrimSuffix(n.Text, "\n"), "\n")
	if len(lines) < 3 || lines[0] == "" {
		return nil, "", 0, tlog.Hash{}, errors.New("checkpoint: fewer than three lines")
	}
	size, err := strconv.ParseInt(lines[1], 10, 64)
	if err != nil || size < 0 || strconv.FormatInt(size, 10) != lines[1] {
		return nil, "", 0, tlog.Hash{}, errors.New("checkpoint: malformed tree size")
	}
	root, err := tlog.ParseHash(lines[2])
	if err != nil {
		return nil, "", 0, tlog.Hash{}, fmt.Errorf("checkpoint root: %w", err)
	}
	for _, ext := range lines[3:] {
		if ext == "" {
			return nil, "", 0, tlog.Hash{}, errors.New("checkpoint: empty extension line")
		}
	}
	return n, lines[0], size, root, nil
}

func checkCheckpoint(c check) (result, error) {
	n, origin, size, root, err := openCheckpoint(c.Note, c.Vkey)
	if err != nil {
		return nil, err
	}
	unverified := []string{}
	for _, s := range n.UnverifiedSigs {
		unverified = append(unverified, fmt.Sprintf("%s+%08x", s.Name, s.Hash))
	}
	return result{"origin": origin, "size": size, "root": root.String(), "text": n.Text,
		"unverified": unverified}, nil
}

// checkCosignature verifies a cosignature/v1 (type 0x04) line of a checkpoint the log signed.
func checkCosignature(c check) (result, error) {
	n, _, _, _, err := openCheckpoint(c.Note, c.Vkey)
	if err != nil {
		return nil, err
	}
	name, rest, _ := strings.Cut(c.WitnessVkey, "+")
	hash16, key64, _ := strings.Cut(rest, "+")
	key, err := base64.StdEncoding.DecodeString(key64)
	if err != nil || len(key) != 1+ed25519.PublicKeySize || key[0] != 0x04 {
		return nil, errors.New("witness key: not a type 0x04 Ed25519 key")
	}
	sum := sha256.Sum256(append([]byte(name+"\n"), key...))
	id := binary.BigEndian.Uint32(sum[:4])
	if fmt.Sprintf("%08x", id) != hash16 {
		return nil, errors.New("witness key: its id is not the hash of its name and key")
	}
	for _, s := range n.UnverifiedSigs {
		if s.Name != name || s.Hash != id {
			continue
		}
		sig, err := base64.StdEncoding.DecodeString(s.Base64)
		if err != nil || len(sig) != 4+8+ed25519.SignatureSize {
			return nil, errors.New("cosignature: not key id, 8-byte timestamp and a 64-byte signature")
		}
		ts := binary.BigEndian.Uint64(sig[4:12])
		if ts > 1<<63-1 {
			return nil, errors.New("cosignature: timestamp out of range")
		}
		msg := fmt.Sprintf("cosignature/v1\ntime %d\n%s", ts, n.Text)
		if !ed25519.Verify(ed25519.PublicKey(key[1:]), []byte(msg), sig[12:]) {
			return nil, errors.New("cosignature: signature does not verify")
		}
		return result{"timestamp": ts}, nil
	}
	return nil, errors.New("cosignature: none by this witness key")
}

func hashes(list []string) ([]tlog.Hash, error) {
	out := make([]tlog.Hash, len(list))
	for i, s := range list {
		h, err := tlog.ParseHash(s)
		if err != nil {
			return nil, fmt.Errorf("proof hash %d: %w", i, err)
		}
		out[i] = h
	}
	return out, nil
}

func checkInclusion(c check) (result, error) {
	root, err := tlog.ParseHash(c.Root)
	if err != nil {
		return nil, err
	}
	proof, err := hashes(c.Proof)
	if err != nil {
		return nil, err
	}
	record, err := base64.StdEncoding.DecodeString(c.Record)
	if err != nil {
		return nil, err
	}
	return result{}, tlog.CheckRecord(proof, c.Size, root, c.Index, tlog.RecordHash(record))
}

func checkConsistency(c check) (result, error) {
	root, err := tlog.ParseHash(c.Root)
	if err != nil {
		return nil, err
	}
	oldRoot, err := tlog.ParseHash(c.OldRoot)
	if err != nil {
		return nil, err
	}
	proof, err := hashes(c.Proof)
	if err != nil {
		return nil, err
	}
	return result{}, tlog.CheckTree(proof, c.Size, root, c.OldSize, oldRoot)
}

func makeVkey(c check) (result, error) {
	key, err := base64.StdEncoding.DecodeString(c.PublicKey)
	if err != nil {
		return nil, err
	}
	vkey, err := note.NewEd25519VerifierKey(c.Name, ed25519.PublicKey(key))
	return result{"vkey": vkey}, err
}

func sign(c check) (result, error) {
	signer, err := note.NewSigner(c.Skey)
	if err != nil {
		return nil, err
	}
	msg, err := note.Sign(&note.Note{Text: c.Text}, signer)
	return result{"note": string(msg)}, err
}

// prove builds the tree of the records with tlog's stored hashes and returns its root at
// Size, the record proof of Index and the tree proof from OldSize (when set).
func prove(c check) (result, error) {
	var stored []tlog.Hash
	reader := tlog.HashReaderFunc(func(indexes []int64) ([]tlog.Hash, error) {
		out := make([]tlog.Hash, len(indexes))
		for i, x := range indexes {
			out[i] = stored[x]
		}
		return out, nil
	})
	for i, s := range c.Records {
		record, err := base64.StdEncoding.DecodeString(s)
		if err != nil {
			return nil, err
		}
		add, err := tlog.StoredHashes(int64(i), record, reader)
		if err != nil {
			return nil, err
		}
		stored = append(stored, add...)
	}
	root, err := tlog.TreeHash(c.Size, reader)
	if err != nil {
		return nil, err
	}
	r := result{"root": root.String()}
	if c.Index < c.Size {
		p, err := tlog.ProveRecord(c.Size, c.Index, reader)
		if err != nil {
			return nil, err
		}
		r["record_proof"] = p
	}
	if c.OldSize > 0 {
		p, err := tlog.ProveTree(c.Size, c.OldSize, reader)
		if err != nil {
			return nil, err
		}
		r["tree_proof"] = p
	}
	return r, nil
}
