package watch

import (
	"bytes"
	"crypto/hmac"
	"crypto/sha256"
	"encoding/base64"
	"encoding/json"
	"fmt"
)

// Seal puts d into its canonical form (see Canonicalize) and, when key is set, sets d.MAC
// to an HMAC-SHA256 over that form without the MAC. Every document cdnwatch emits goes
// through Seal, so what it writes decodes, verifies and re-encodes to the same bytes.
func Seal(d *Document, key []byte) error {
	if err := Canonicalize(d); err != nil {
		return err
	}
	if len(key) == 0 {
		d.MAC = ""
		return nil
	}
	m, err := computeMAC(d, key)
	if err != nil {
		return err
	}
	d.MAC = m
	return nil
}

// Canonicalize replaces d by what a decoder makes of its encoding: empty collections
// become absent, ids are split and trimmed, and so on. The MAC is computed over this form,
// so a value that encodes differently before and after a round trip (an empty outbox that
// encodes as {} and decodes as nothing) can never make a document fail its own MAC.
func Canonicalize(d *Document) error {
	mac := d.MAC
	d.MAC = ""
	b, err := Encode(d)
	if err != nil {
		return err
	}
	var c Document
	dec := json.NewDecoder(bytes.NewReader(b))
	if err := dec.Decode(&c); err != nil {
		return fmt.Errorf("canonical watch document: %w", err)
	}
	if err := c.normalise(); err != nil {
		return fmt.Errorf("canonical watch document: %w", err)
	}
	*d = c
	d.MAC = mac
	return nil
}

// Verify checks d.MAC against key. A missing MAC is a failure too: an attacker could
// otherwise strip it.
func Verify(d *Document, key []byte) error {
	if d.MAC == "" {
		return fmt.Errorf("%w: no mac on a document that carries state", ErrMAC)
	}
	want, err := computeMAC(d, key)
	if err != nil {
		return err
	}
	if !hmac.Equal([]byte(want), []byte(d.MAC)) {
		return ErrMAC
	}
	return nil
}

// computeMAC signs the canonical encoding of d without its MAC. Canonicalizing a copy
// here too means a decoded document (already canonical) and a freshly built one sign alike.
func computeMAC(d *Document, key []byte) (string, error) {
	c := d.Clone()
	c.MAC = ""
	if err := Canonicalize(c); err != nil {
		return "", err
	}
	c.MAC = ""
	b, err := Encode(c)
	if err != nil {
		return "", err
	}
	h := hmac.New(sha256.New, key)
	h.Write(b)
	return base64.RawURLEncoding.EncodeToString(h.Sum(nil)), nil
}
