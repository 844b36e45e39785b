import { notFound } from 'next/navigation'
import { articleBySlug, listArticles } from '../../../lib/content'
import { RenderStamp } from '../../render-stamp'

// ISR: long enough that only on-demand revalidation changes a page during a test.
export const revalidate = 3600

export async function generateStaticParams() {
  return (await listArticles()).map((article) => ({ slug: article.slug }))
}

export default async function ArticlePage({ params }: { params: Promise<{ slug: string }> }) {
  const article = await articleBySlug((await params).slug)
  if (!article) notFound()
  return (
    <main>
      <h1 data-testid="title">{article.title}</h1>
      <p data-testid="body">{article.body}</p>
      <p>
        updated <time data-testid="updated-at">{article.updatedAt}</time>
      </p>
      <RenderStamp />
    </main>
  )
}
