package t

import _ "example.com/v/nogo/pkg"
