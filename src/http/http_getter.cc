#include "src/http/http_getter.h"
