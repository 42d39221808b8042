package skip

import _ "example.com/v/nogo/pkg"
