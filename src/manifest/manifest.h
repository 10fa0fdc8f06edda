#pragma once
#include "src/core/pod.h"
