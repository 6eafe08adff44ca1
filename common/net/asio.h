// The one header through which mpcstats includes Asio. g++ 12 needs <utility> before Asio's
// awaitable.hpp (asio issue 944), so nothing else may include Boost.Asio directly.
#pragma once

#include <utility>

#include <boost/asio.hpp>
#include <boost/asio/ssl.hpp>

namespace mpcstats::net {

namespace asio = boost::asio;
namespace ssl = boost::asio::ssl;
using tcp = boost::asio::ip::tcp;
using boost::system::error_code;
template <class T>
using awaitable = boost::asio::awaitable<T>;
using boost::asio::use_awaitable;

}  // namespace mpcstats::net
