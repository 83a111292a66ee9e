package aliyuncdn

import (
	"testing"

	"cdnwatch/shared/provider/providertest"
)

func TestListConformance(t *testing.T) {
	providertest.RunList(t, providertest.Harness{Provider: Name})
}
