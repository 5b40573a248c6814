// Functions the scenarios in shop.yml call (Artillery processor, CommonJS).
'use strict';

const { randomUUID } = require('node:crypto');

const sorts = ['name', 'price', '-price'];
const searches = ['tent', 'helmet', 'bottle', 'jacket', 'shoes', 'kettle'];
const seededProducts = 120;
const seededCategories = 10;

const pick = (values) => values[Math.floor(Math.random() * values.length)];
const between = (low, high) => low + Math.floor(Math.random() * (high - low + 1));

// What a browsing visitor looks at.
function pickBrowsing(context, events, done) {
  Object.assign(context.vars, {
    pageIndex: between(0, 4),
    sort: pick(sorts),
    categoryId: between(1, seededCategories),
    query: pick(searches),
    productId: between(1, seededProducts),
    otherProductId: between(1, seededProducts),
  });
  return done();
}

// Shoppers signed in before, kept with their refresh token (this worker's own; Artillery runs a few).
// A returning shopper's client renews its session with the refresh token, as the storefront does,
// and only now and then signs in with the password: password hashing is deliberately expensive, and
// a profile that typed a password on every visit would measure the hash and little else.
const returning = [];
const newShopperShare = 0.1;
const passwordSignInShare = 0.2;

// Who this session is: a new shopper (registers and signs in), or a returning one, taken out of the
// pool for the session (a refresh token is used once: two sessions must not share it).
function pickShopper(context, events, done) {
  const shopper = returning.length > 0 && Math.random() >= newShopperShare ? returning.splice(between(0, returning.length - 1), 1)[0] : null;
  if (shopper) {
    const usePassword = Math.random() < passwordSignInShare;
    Object.assign(context.vars, shopper, { isNew: false, usePassword, useRefreshToken: !usePassword });
  } else {
    const id = randomUUID();
    Object.assign(context.vars, {
      email: `load-${id}@example.com`,
      password: `Load-Shopper-${id.slice(0, 8)}-1aA`,
      name: 'Load Shopper',
      isNew: true,
      usePassword: true,
      useRefreshToken: false,
    });
  }
  Object.assign(context.vars, { idempotencyKey: `load-${randomUUID()}`, pageIndex: between(0, 2) });
  events.emit('counter', `shop.sign_in.${context.vars.isNew ? 'registered' : context.vars.usePassword ? 'password' : 'refresh'}`, 1);
  return done();
}

// The session is over: the shopper comes back another time with the refresh token they hold now.
function keepShopper(context, events, done) {
  if (context.vars.refreshToken) {
    const { email, password, name, refreshToken } = context.vars;
    returning.push({ email, password, name, refreshToken });
  }
  return done();
}

// A shopper buys what the catalog shows in stock, as the storefront would let them.
function pickInStock(context, events, done) {
  const page = Array.isArray(context.vars.page) ? context.vars.page : [];
  const inStock = page.filter((item) => item.availableStock > 0).map((item) => item.id);
  context.vars.productId = inStock.length > 0 ? pick(inStock) : 1;
  context.vars.otherProductId = inStock.length > 1 ? pick(inStock.filter((id) => id !== context.vars.productId)) : 2;
  return done();
}

// Counts every answer, and as failed any that is not a success (a 429 too: a shopper refused is a failure).
function countResponse(req, res, context, events, done) {
  events.emit('counter', 'shop.requests', 1);
  const failed = res.statusCode >= 400 ? 1 : 0;
  events.emit('counter', 'shop.failed', failed);
  if (failed) {
    events.emit('counter', `shop.failed.${res.statusCode}`, 1);
  }
  return done();
}

function orderPlaced(req, res, context, events, done) {
  context.vars.placedAt = Date.now();
  context.vars.status = res.statusCode === 202 ? 'Submitted' : 'NotPlaced';
  return done();
}

// Artillery's think takes whole seconds; a shopper's order page refreshes faster.
function waitHalfASecond(context, events, done) {
  setTimeout(done, 500);
}

function orderUnfinished(context, next) {
  return next(context.vars.status !== 'Confirmed' && context.vars.status !== 'Cancelled' && context.vars.status !== 'NotPlaced');
}

// How the order ended, and when the shopper saw it end (polled every half second: coarse by design).
function orderEnded(context, events, done) {
  const status = context.vars.status;
  events.emit('counter', `shop.orders.${status === 'Confirmed' || status === 'Cancelled' || status === 'NotPlaced' ? status : 'unfinished'}`, 1);
  if (status === 'Confirmed') {
    events.emit('histogram', 'shop.order_to_confirmed_seen', Date.now() - context.vars.placedAt);
  }
  // Why, so that a run tells a sold-out product from a failed step.
  if (status === 'Cancelled') {
    events.emit('counter', `shop.orders.Cancelled.${context.vars.reason || 'unknown'}`, 1);
  }
  return done();
}

module.exports = { pickBrowsing, pickShopper, keepShopper, pickInStock, countResponse, orderPlaced, waitHalfASecond, orderUnfinished, orderEnded };
