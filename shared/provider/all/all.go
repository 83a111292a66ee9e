// Package all registers every provider; import it for its side effect.
package all

import (
	_ "cdnwatch/shared/provider/aliyuncdn"
)
