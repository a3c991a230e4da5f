// Server-rendered pages: @fastify/view with Handlebars, one layout, partials, and our helpers.

import fp from 'fastify-plugin';
import fs from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import fastifyView from '@fastify/view';
import Handlebars from 'handlebars';
import type { FastifyInstance } from 'fastify';
import { registerHelpers } from '../views/helpers';

export const VIEWS_DIR = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '../../views');

/** The stylesheet, inlined into self-contained pages that are printed to PDF (reports, briefings). */
export const PRINT_STYLESHEET = fs.readFileSync(path.join(VIEWS_DIR, 'assets/app.css'), 'utf8');

// templates are compiled once and cached, except while developing (NODE_ENV=development reloads them)
const PRODUCTION = process.env.NODE_ENV !== 'development';

const PARTIALS = {
  'evidence-filters': 'partials/evidence-filters.hbs',
  'view-controls': 'partials/view-controls.hbs',
  'benchmark-table': 'partials/benchmark-table.hbs',
  'report-activity': 'partials/report-activity.hbs',
  pager: 'partials/pager.hbs',
  'score-card': 'partials/score-card.hbs',
  'latest-evidence': 'partials/latest-evidence.hbs',
};

async function viewsPlugin(app: FastifyInstance) {
  const hbs = Handlebars.create();
  registerHelpers(hbs);
  // a second renderer for self-contained pages (PDF printing): same templates, a layout with the CSS inlined
  const printHbs = Handlebars.create();
  registerHelpers(printHbs);
  await app.register(fastifyView, {
    engine: { handlebars: printHbs },
    root: VIEWS_DIR,
    layout: 'layouts/print.hbs',
    viewExt: 'hbs',
    propertyName: 'printView',
    production: PRODUCTION,
    options: { partials: PARTIALS },
  });
  await app.register(fastifyView, {
    engine: { handlebars: hbs },
    root: VIEWS_DIR,
    layout: 'layouts/main.hbs',
    production: PRODUCTION,
    viewExt: 'hbs',
    options: { partials: PARTIALS },
  });
}

export default fp(viewsPlugin, { name: 'pactwatch-views' });
