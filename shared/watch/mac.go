package watch

import (
	"crypto/hmac"
	"crypto/sha256"
	"encoding/base64"
	"fmt"
)

// Seal sets d.MAC to an HMAC-SHA256 over the document's canonical encoding (the document
// with no MAC), so a hop can tell when state was altered on the way.
func Seal(d *Document, key []byte) error {
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

func computeMAC(d *Document, key []byte) (string, error) {
	c := *d
	c.MAC = ""
	b, err := Encode(&c)
	if err != nil {
		return "", err
	}
	h := hmac.New(sha256.New, key)
	h.Write(b)
	return base64.RawURLEncoding.EncodeToString(h.Sum(nil)), nil
}
