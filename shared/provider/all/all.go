// Package all registers every provider; import it for its side effect.
package all

import (
	_ "cdnwatch/shared/provider/aliyuncdn"
	_ "cdnwatch/shared/provider/aliyundcdn"
	_ "cdnwatch/shared/provider/awscloudfront"
	_ "cdnwatch/shared/provider/tencentcdn"
	_ "cdnwatch/shared/provider/volccdn"
	_ "cdnwatch/shared/provider/volcmcdn"
)
