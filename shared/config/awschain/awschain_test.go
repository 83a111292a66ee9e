package awschain

import (
	"testing"

	"cdnwatch/shared/config/awsenv"
)

// Importing the package registers the chain, which is how the command's CloudFront
// driver gets profiles, SSO and roles.
func TestImportRegistersTheChain(t *testing.T) {
	if awsenv.Chain() == nil {
		t.Fatal("awsenv.Chain() is nil with awschain imported")
	}
}
