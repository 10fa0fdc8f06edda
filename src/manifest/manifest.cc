#include "src/manifest/manifest.h"
