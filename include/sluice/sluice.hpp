// The whole public API in one include: options, requests, records, runs and errors.
#pragma once

#include "sluice/errors.hpp"
#include "sluice/fetcher.hpp"
#include "sluice/options.hpp"
#include "sluice/record.hpp"
#include "sluice/request.hpp"
#include "sluice/run.hpp"
#include "sluice/version.hpp"
